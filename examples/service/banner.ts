/**
 * What the service prints once it listens: where the API is, the project and admin token to
 * use, a ready-to-paste `karbor` command line, and what it protects where. The last line,
 * `Listening on <url>`, is the signal scripts wait for.
 */
import { relative } from 'node:path';
import type { ExampleService } from './service.js';
import type { Identity } from './state-file.js';

/** What the banner shows. */
export interface BannerInput {
  readonly service: ExampleService;
  readonly identity: Identity;
  readonly identityCreated: boolean;
  readonly dataDir: string;
  readonly stateFile: string;
  readonly configSource: string;
}

/** The `karbor` command line that lists the providers, with the admin token, in no-auth mode. */
export function karborCommand(karborUrl: string, token: string): string {
  return `karbor --os-no-client-auth --karbor-url ${karborUrl} --os-auth-token ${token} provider-list`;
}

function shortPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === '' ? '.' : rel.startsWith('..') ? path : `./${rel}`;
}

/**
 * The walkthrough (`npm run demo`) damages a file in the main bank of the first provider with a
 * copy destination, so it is offered only when that bank is a filesystem bank.
 */
function walkthroughFits(service: ExampleService): boolean {
  const provider = service.runtime.providers.find((candidate) => Object.keys(candidate.banks).length > 1);
  return provider?.banks['main']?.type === 'fs';
}

/** The banner's text. */
export function formatBanner(input: BannerInput): string {
  const { service, identity } = input;
  const lines = [
    '',
    'karbor-ts example service',
    '',
    `  Base URL   ${service.url}`,
    `  API        ${service.karborUrl}`,
    `  Project    ${identity.projectId}`,
    `  Token      ${identity.adminToken}   (admin; ${input.identityCreated ? 'generated now, ' : ''}kept in ${shortPath(input.stateFile)})`,
    `  Data       ${shortPath(input.dataDir)}`,
    `  Config     ${input.configSource}`,
    '',
    ...service.summary.map((line) => `  ${line}`),
    ...(service.samplesWritten.length > 0 ? ['', ...service.samplesWritten.map((path) => `  Sample files written to ${shortPath(path)}`)] : []),
    '',
    'The karbor client (python3-karborclient), without Keystone:',
    '',
    `  ${karborCommand(service.karborUrl, identity.adminToken)}`,
    '',
    walkthroughFits(service) ? 'Walkthrough: npm run demo      Stop: Ctrl-C' : 'Stop: Ctrl-C',
    '',
    `Listening on ${service.url}`,
  ];
  return `${lines.join('\n')}\n`;
}
