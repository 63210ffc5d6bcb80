/**
 * The `karbor-ts` command: the operator's everyday Karbor commands over the typed client —
 * providers, plans, checkpoints (with **copy**), **verifications**, copies, restores and
 * operation logs. Tables by default, `--json` for scripts; `--wait` follows long work with a
 * progress line on stderr and exits 1 when it ends in error, printing each resource's reason.
 *
 * Exit status: 0 done; 1 the API refused, could not be reached, or the waited-for operation
 * failed; 2 a usage error (unknown command or option, missing configuration, bad value).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import {
  KarborClient,
  isFailed,
  isFrameworkError,
  type CheckpointView,
  type CheckpointWaitOptions,
  type CopyView,
  type OperationLogView,
  type PlanResource,
  type PlanView,
  type ProviderView,
  type RestoreView,
  type VerificationView,
  type WaitForOptions,
  type WaitKind,
  type WaitRecords,
} from '../client/index.js';
import { UsageError, clientOptionsFrom, jsonObject, positiveInteger, type ConnectionFlags } from './config.js';
import { ProgressLine, jsonText, listTable, propertyTable as propertiesOf, type Column, type OutputStream } from './output.js';

/** Where the command writes (stdout, stderr). */
export type { OutputStream } from './output.js';

/** What the command reads and writes; the process's own by default. */
export interface CliIo {
  /** Standard output (tables, JSON). */
  readonly stdout: OutputStream;
  /** Standard error (errors, progress). */
  readonly stderr: OutputStream;
  /** The environment (`KARBOR_URL`, `OS_*`…). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

interface GlobalFlags extends ConnectionFlags {
  readonly json?: boolean;
  readonly pollInterval?: string;
  readonly waitTimeout?: string;
}

/** Runs `karbor-ts` with `argv` (without `node` and the script) and resolves its exit status. */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  let status = 0;
  const program = buildProgram(io, (code) => {
    status = Math.max(status, code);
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return status;
  } catch (error) {
    return reportError(error, io);
  }
}

/** The process's stdout, stderr and environment. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // commander has printed the message (or the help) already.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0) return 0;
    return 2;
  }
  if (error instanceof UsageError) {
    io.stderr.write(`karbor-ts: ${error.message}\n`);
    return 2;
  }
  if (isFrameworkError(error)) {
    const facts: string[] = [error.code];
    if (typeof error.details['status'] === 'number') facts.push(`HTTP ${error.details['status']}`);
    if (typeof error.details['requestId'] === 'string') facts.push(`request ${error.details['requestId']}`);
    io.stderr.write(`karbor-ts: ${error.message} (${facts.join(', ')})\n`);
    if (error.code === 'KTS_ERR_INVALID_OPTION') return 2;
    return 1;
  }
  io.stderr.write(`karbor-ts: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}

function version(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)), depth = 0; depth < 5; dir = dirname(dir), depth += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'karbor-ts' && pkg.version) return pkg.version;
    } catch {
      // not here; look further up
    }
  }
  return 'unknown';
}

/** The commander program of `karbor-ts`; `fail(code)` raises the exit status (a waited-for operation that failed). */
function buildProgram(io: CliIo, fail: (code: number) => void): Command {
  const program = new Command('karbor-ts')
    .description('Karbor data protection from the command line: plans, checkpoints, copies, verifications, restores.')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run with --help for usage)')
    .option('--url <url>', 'the API: http://host:port/v1/<project> (env KARBOR_URL)')
    .option('--project <id>', 'the project, when --url is the service root (env KARBOR_PROJECT)')
    .option('--token <token>', 'a token (env KARBOR_TOKEN or OS_AUTH_TOKEN)')
    .option('--os-auth-url <url>', 'Keystone v3 (env OS_AUTH_URL)')
    .option('--os-username <name>', 'env OS_USERNAME')
    .option('--os-password <password>', 'env OS_PASSWORD')
    .option('--os-project-name <name>', 'env OS_PROJECT_NAME')
    .option('--os-project-id <id>', 'env OS_PROJECT_ID')
    .option('--os-user-domain-name <name>', 'env OS_USER_DOMAIN_NAME')
    .option('--os-project-domain-name <name>', 'env OS_PROJECT_DOMAIN_NAME')
    .option('--os-region-name <name>', 'env OS_REGION_NAME')
    .option('--os-interface <interface>', 'public, internal or admin (env OS_INTERFACE)')
    .option('--timeout <ms>', 'per-request timeout in ms (env KARBOR_TIMEOUT)')
    .option('--json', 'print JSON instead of tables')
    .option('--poll-interval <ms>', 'time between polls with --wait (env KARBOR_POLL_INTERVAL; default 1000)')
    .option('--wait-timeout <ms>', 'give up waiting after this long with --wait (env KARBOR_WAIT_TIMEOUT; default: no limit)');

  const flags = (command: Command): GlobalFlags => command.optsWithGlobals<GlobalFlags>();
  const width = io.stdout.columns ?? 120;
  const propertyTable = (record: Readonly<Record<string, unknown>>): string => propertiesOf(record, width);
  const copyTables = (record: CopyView): string => copyTablesOf(record, width);
  const client = (command: Command): KarborClient => new KarborClient(clientOptionsFrom(flags(command), io.env));
  const print = (command: Command, value: unknown, table: () => string): void => {
    io.stdout.write(flags(command).json ? jsonText(value) : table());
  };
  const listOptions = (command: Command): Command =>
    command
      .option('--limit <n>', 'at most this many rows (pages are followed)')
      .option('--marker <id>', 'start after this id')
      .option('--sort <key[:dir]>', 'sort key and direction');
  const paging = (options: { limit?: string; marker?: string; sort?: string }) => ({
    max: options.limit === undefined ? Infinity : positiveInteger(options.limit, '--limit'),
    query: { ...(options.marker ? { marker: options.marker } : {}), ...(options.sort ? { sort: options.sort } : {}) },
  });
  const take = async <T>(rows: AsyncIterable<T>, max: number): Promise<T[]> => {
    const taken: T[] = [];
    if (max <= 0) return taken;
    for await (const row of rows) {
      taken.push(row);
      if (taken.length >= max) break;
    }
    return taken;
  };
  const waitAndReport = async <K extends WaitKind>(command: Command, kind: K, record: WaitRecords[K], show: (record: WaitRecords[K]) => string, checkpointAt?: CheckpointWaitOptions): Promise<void> => {
    const global = flags(command);
    const pollInterval = global.pollInterval ?? io.env['KARBOR_POLL_INTERVAL'] ?? '1000';
    const waitTimeout = global.waitTimeout ?? io.env['KARBOR_WAIT_TIMEOUT'];
    const line = new ProgressLine(io.stderr, `${kind} ${record.id}`);
    line.update(record.status, record.progress);
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    let done: WaitRecords[K];
    try {
      done = await client(command).waitFor(kind, record.id, {
        intervalMs: positiveInteger(pollInterval, '--poll-interval'),
        ...(waitTimeout ? { timeoutMs: positiveInteger(waitTimeout, '--wait-timeout') } : {}),
        signal: controller.signal,
        onPoll: (polled) => line.update(polled.status, polled.progress),
        ...(kind === 'checkpoint' ? checkpointAt : {}),
      } as WaitForOptions<K>);
    } finally {
      line.end();
      process.removeListener('SIGINT', onSignal);
    }
    print(command, done, () => show(done));
    if (isFailed(kind, done)) {
      io.stderr.write(failureReport(kind, done));
      fail(1);
    }
  };

  // ---- provider ----
  const provider = program.command('provider').description('protection providers');
  listOptions(provider.command('list').description('list providers'))
    .option('--name <name>', 'only this name')
    .action(async (options: { name?: string; limit?: string; marker?: string; sort?: string }, command: Command) => {
      const { max, query } = paging(options);
      const rows = await take(client(command).iterateProviders({ ...query, ...(options.name ? { name: options.name } : {}) }), max);
      print(command, rows, () => listTable(rows, PROVIDER_COLUMNS));
    });
  provider
    .command('show')
    .description('show a provider with its schemas and copy destinations')
    .argument('<provider>', 'provider id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const record = await client(command).getProvider(id);
      print(command, record, () => propertyTable(record));
    });

  // ---- plan ----
  const plan = program.command('plan').description('protection plans');
  plan
    .command('create')
    .description('create a plan')
    .argument('<name>', 'plan name')
    .argument('<provider>', 'provider id')
    .argument('<resources>', 'resources as id=type=name[,id=type=name…] (karbor\'s form)')
    .option('--description <text>', 'a description')
    .option('--parameters <json>', 'protect parameters as a JSON object keyed by type or Type#id')
    .action(async (name: string, providerId: string, resources: string, options: { description?: string; parameters?: string }, command: Command) => {
      const record = await client(command).createPlan({
        name,
        provider_id: providerId,
        resources: parseResources(resources),
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(options.parameters !== undefined ? { parameters: jsonObject(options.parameters, '--parameters') as Record<string, Record<string, unknown> | null> } : {}),
      });
      print(command, record, () => propertyTable(record));
    });
  listOptions(plan.command('list').description('list plans'))
    .option('--name <name>', 'only this name')
    .option('--status <status>', 'only this status')
    .option('--provider <id>', 'only this provider')
    .action(async (options: { name?: string; status?: string; provider?: string; limit?: string; marker?: string; sort?: string }, command: Command) => {
      const { max, query } = paging(options);
      const filters = { ...(options.name ? { name: options.name } : {}), ...(options.status ? { status: options.status } : {}), ...(options.provider ? { provider_id: options.provider } : {}) };
      const rows = await take(client(command).iteratePlans({ ...query, ...filters }), max);
      print(command, rows, () => listTable(rows, PLAN_COLUMNS));
    });
  plan
    .command('show')
    .description('show a plan')
    .argument('<plan>', 'plan id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const record = await client(command).getPlan(id);
      print(command, record, () => propertyTable(record));
    });

  // ---- checkpoint ----
  const checkpoint = program.command('checkpoint').description('checkpoints (backups) and copying them');
  checkpoint
    .command('create')
    .description('protect a plan: take a checkpoint')
    .argument('<provider>', 'provider id')
    .argument('<plan>', 'plan id')
    .option('--extra-info <key=value...>', 'extra info to record')
    .option('--wait', 'follow the protect until it ends; exit 1 if it fails')
    .action(async (providerId: string, planId: string, options: { extraInfo?: string[]; wait?: boolean }, command: Command) => {
      const extra = options.extraInfo ? keyValues(options.extraInfo, '--extra-info') : undefined;
      const record = await client(command).createCheckpoint(providerId, { plan_id: planId, ...(extra ? { 'extra-info': extra } : {}) });
      if (options.wait) return waitAndReport(command, 'checkpoint', record, (done) => propertyTable(checkpointSummary(done)), { providerId });
      print(command, record, () => propertyTable(checkpointSummary(record)));
    });
  listOptions(checkpoint.command('list').description('list a provider\'s checkpoints, newest first'))
    .argument('<provider>', 'provider id')
    .option('--plan <id>', 'only this plan\'s checkpoints')
    .option('--bank <name>', 'the bank to list: main (default) or a copy destination')
    .option('--start-date <day>', 'created on or after (YYYY-MM-DD)')
    .option('--end-date <day>', 'created on or before (YYYY-MM-DD)')
    .action(async (providerId: string, options: { plan?: string; bank?: string; startDate?: string; endDate?: string; limit?: string; marker?: string; sort?: string }, command: Command) => {
      const { max, query } = paging(options);
      const filters = {
        ...(options.plan ? { plan_id: options.plan } : {}),
        ...(options.bank ? { bank: options.bank } : {}),
        ...(options.startDate ? { start_date: options.startDate } : {}),
        ...(options.endDate ? { end_date: options.endDate } : {}),
      };
      const rows = await take(client(command).iterateCheckpoints(providerId, { ...query, ...filters }), max);
      print(command, rows, () => listTable(rows, CHECKPOINT_COLUMNS));
    });
  checkpoint
    .command('show')
    .description('show a checkpoint (searched in every bank unless --bank)')
    .argument('<provider>', 'provider id')
    .argument('<checkpoint>', 'checkpoint id')
    .option('--bank <name>', 'main or a copy destination')
    .action(async (providerId: string, id: string, options: { bank?: string }, command: Command) => {
      const record = await client(command).getCheckpoint(providerId, id, options.bank ? { bank: options.bank } : {});
      print(command, record, () => propertyTable(checkpointSummary(record)));
    });
  checkpoint
    .command('delete')
    .description('delete a checkpoint and its backup data (the delete runs in the background)')
    .argument('<provider>', 'provider id')
    .argument('<checkpoint>', 'checkpoint id')
    .option('--bank <name>', 'main or a copy destination')
    .option('--wait', 'follow the delete until it ends; exit 1 if it fails')
    .action(async (providerId: string, id: string, options: { bank?: string; wait?: boolean }, command: Command) => {
      const bank = options.bank ? { bank: options.bank } : {};
      const record = await client(command).deleteCheckpoint(providerId, id, bank);
      if (options.wait) return waitAndReport(command, 'checkpoint', record, (done) => propertyTable(checkpointSummary(done)), { providerId, ...bank, deleting: record });
      print(command, record, () => propertyTable(checkpointSummary(record)));
    });
  checkpoint
    .command('copy')
    .description('copy every available checkpoint of a plan that the destination does not hold yet')
    .argument('<provider>', 'provider id')
    .argument('<plan>', 'plan id')
    .option('--destination <name>', 'the destination bank (default: the provider\'s default destination)')
    .option('--parameters <json>', 'copy parameters as a JSON object keyed by type or Type#id')
    .option('--wait', 'follow the copy until it ends; exit 1 if it fails')
    .action(async (providerId: string, planId: string, options: { destination?: string; parameters?: string; wait?: boolean }, command: Command) => {
      const record = await client(command).copyCheckpoints(providerId, {
        plan_id: planId,
        ...(options.destination ? { destination: options.destination } : {}),
        ...(options.parameters !== undefined ? { parameters: jsonObject(options.parameters, '--parameters') as Record<string, Record<string, unknown> | null> } : {}),
      });
      if (options.wait) return waitAndReport(command, 'copy', record, copyTables);
      print(command, record, () => copyTables(record));
    });

  // ---- verification ----
  const verification = program.command('verification').description('verifications: is a checkpoint\'s backup data intact?');
  verification
    .command('create')
    .description('verify a checkpoint resource by resource')
    .argument('<provider>', 'provider id')
    .argument('<checkpoint>', 'checkpoint id')
    .addOption(new Option('--level <level>', 'how deep to check').choices(['presence', 'checksum', 'full']))
    .option('--bank <name>', 'verify the copy in this destination (default: where the checkpoint is found)')
    .option('--parameters <json>', 'verify parameters as a JSON object keyed by type or Type#id')
    .option('--wait', 'follow the verification until it ends; exit 1 if it fails')
    .action(async (providerId: string, checkpointId: string, options: { level?: 'presence' | 'checksum' | 'full'; bank?: string; parameters?: string; wait?: boolean }, command: Command) => {
      const record = await client(command).createVerification({
        provider_id: providerId,
        checkpoint_id: checkpointId,
        ...(options.level ? { level: options.level } : {}),
        ...(options.bank ? { bank: options.bank } : {}),
        ...(options.parameters !== undefined ? { parameters: jsonObject(options.parameters, '--parameters') as Record<string, Record<string, unknown> | null> } : {}),
      });
      if (options.wait) return waitAndReport(command, 'verification', record, (done) => propertyTable(runSummary(done)));
      print(command, record, () => propertyTable(runSummary(record)));
    });
  listOptions(verification.command('list').description('list verifications, newest first'))
    .option('--status <status>', 'only this status')
    .option('--provider <id>', 'only this provider')
    .option('--checkpoint <id>', 'only this checkpoint')
    .action(async (options: { status?: string; provider?: string; checkpoint?: string; limit?: string; marker?: string; sort?: string }, command: Command) => {
      const { max, query } = paging(options);
      const filters = { ...(options.status ? { status: options.status } : {}), ...(options.provider ? { provider_id: options.provider } : {}), ...(options.checkpoint ? { checkpoint_id: options.checkpoint } : {}) };
      const rows = await take(client(command).iterateVerifications({ ...query, ...filters }), max);
      print(command, rows, () => listTable(rows, VERIFICATION_COLUMNS));
    });
  verification
    .command('show')
    .description('show a verification with each resource\'s status and reason')
    .argument('<verification>', 'verification id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const record = await client(command).getVerification(id);
      print(command, record, () => propertyTable(runSummary(record)));
    });

  // ---- copy ----
  const copy = program.command('copy').description('copies of checkpoints to other banks (made by checkpoint copy)');
  listOptions(copy.command('list').description('list copies, newest first'))
    .option('--status <status>', 'only this status')
    .option('--provider <id>', 'only this provider')
    .option('--plan <id>', 'only this plan')
    .option('--destination <name>', 'only this destination')
    .action(async (options: { status?: string; provider?: string; plan?: string; destination?: string; limit?: string; marker?: string; sort?: string }, command: Command) => {
      const { max, query } = paging(options);
      const filters = {
        ...(options.status ? { status: options.status } : {}),
        ...(options.provider ? { provider_id: options.provider } : {}),
        ...(options.plan ? { plan_id: options.plan } : {}),
        ...(options.destination ? { destination: options.destination } : {}),
      };
      const rows = await take(client(command).iterateCopies({ ...query, ...filters }), max);
      print(command, rows, () => listTable(rows, COPY_COLUMNS));
    });
  copy
    .command('show')
    .description('show a copy with its source → copy checkpoint pairs')
    .argument('<copy>', 'copy id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const record = await client(command).getCopy(id);
      print(command, record, () => copyTables(record));
    });

  // ---- restore ----
  const restore = program.command('restore').description('restores from checkpoints');
  restore
    .command('create')
    .description('restore from an available checkpoint (main bank or a copy)')
    .argument('<provider>', 'provider id')
    .argument('<checkpoint>', 'checkpoint id')
    .option('--restore-target <target>', 'where to restore (free-form)')
    .option('--parameters <json>', 'restore parameters as a JSON object keyed by type or Type#id')
    .option('--bank <name>', 'restore from the copy in this destination')
    .option('--wait', 'follow the restore until it ends; exit 1 if it fails')
    .action(async (providerId: string, checkpointId: string, options: { restoreTarget?: string; parameters?: string; bank?: string; wait?: boolean }, command: Command) => {
      const record = await client(command).createRestore({
        provider_id: providerId,
        checkpoint_id: checkpointId,
        ...(options.restoreTarget ? { restore_target: options.restoreTarget } : {}),
        ...(options.bank ? { bank: options.bank } : {}),
        ...(options.parameters !== undefined ? { parameters: jsonObject(options.parameters, '--parameters') as Record<string, Record<string, unknown> | null> } : {}),
      });
      if (options.wait) return waitAndReport(command, 'restore', record, (done) => propertyTable(runSummary(done)));
      print(command, record, () => propertyTable(runSummary(record)));
    });
  restore
    .command('show')
    .description('show a restore')
    .argument('<restore>', 'restore id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const record = await client(command).getRestore(id);
      print(command, record, () => propertyTable(runSummary(record)));
    });

  // ---- operation-log ----
  const operationLog = program.command('operation-log').description('operation logs: one per protect, restore, delete, verify or copy run');
  listOptions(operationLog.command('list').description('list operation logs, newest first'))
    .option('--status <status>', 'only this status')
    .option('--type <type>', 'only this operation type (protect, restore, delete, verify, copy)')
    .option('--provider <id>', 'only this provider')
    .option('--checkpoint <id>', 'only this checkpoint')
    .option('--plan <id>', 'only this plan')
    .option('--restore <id>', 'only this restore')
    .option('--verification <id>', 'only this verification')
    .option('--copy <id>', 'only this copy')
    .action(async (options: Record<string, string | undefined>, command: Command) => {
      const { max, query } = paging(options);
      const map: Record<string, string> = {
        status: 'status',
        type: 'operation_type',
        provider: 'provider_id',
        checkpoint: 'checkpoint_id',
        plan: 'plan_id',
        restore: 'restore_id',
        verification: 'verification_id',
        copy: 'copy_id',
      };
      const filters = Object.fromEntries(Object.entries(map).flatMap(([option, wire]) => (options[option] ? [[wire, options[option]!]] : [])));
      const rows = await take(client(command).iterateOperationLogs({ ...query, ...filters }), max);
      print(command, rows, () => listTable(rows, OPERATION_LOG_COLUMNS));
    });

  return program;
}

/** `id=type=name[=extra_info-json],…` (karbor's `plan-create` form) as plan resources. */
export function parseResources(text: string): PlanResource[] {
  const resources = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const [id, type, name, ...extra] = part.split('=');
      if (!id || !type) throw new UsageError(`Invalid resource ${JSON.stringify(part)}: expected id=type=name`);
      const extraText = extra.join('=');
      return {
        id,
        type,
        name: name ?? id,
        ...(extraText ? { extra_info: jsonObject(extraText, `extra info of resource ${id}`) } : {}),
      };
    });
  if (resources.length === 0) throw new UsageError('A plan needs at least one resource (id=type=name)');
  return resources;
}

function keyValues(pairs: readonly string[], what: string): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0) throw new UsageError(`Invalid ${what} ${JSON.stringify(pair)}: expected key=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** Why a waited-for operation failed: its error, then each resource (or copy pair) that failed, with its reason. */
export function failureReport<K extends WaitKind>(kind: K, record: WaitRecords[K]): string {
  const lines = [`karbor-ts: ${kind} ${record.id} ended in ${record.status}${record.error ? `: ${record.error}` : ''}`];
  const statuses = record.resources_status;
  const reasons = record.resources_reason;
  for (const key of new Set([...Object.keys(statuses), ...Object.keys(reasons)])) {
    const status = statuses[key];
    if (status !== 'error' && reasons[key] === undefined) continue;
    lines.push(`  ${key}: ${status ?? 'error'}${reasons[key] ? ` — ${reasons[key]}` : ''}`);
  }
  if (kind === 'copy') {
    for (const pair of (record as CopyView).checkpoints) {
      if (pair.status === 'error') lines.push(`  checkpoint ${pair.source_checkpoint_id}: error${pair.reason ? ` — ${pair.reason}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function checkpointSummary(record: CheckpointView): Record<string, unknown> {
  return {
    id: record.id,
    status: record.status,
    provider_id: record.provider_id,
    plan: `${record.protection_plan.name} (${record.protection_plan.id})`,
    bank: record.bank,
    created_at: record.created_at,
    progress: record.progress,
    resources_status: record.resources_status,
    resources_reason: record.resources_reason,
    error: record.error,
    extra_info: record.extra_info,
    copy_of: record.copy_of,
    copied_to: record.copied_to,
  };
}

function runSummary(record: RestoreView | VerificationView): Record<string, unknown> {
  const { resource_status: _status, resource_reason: _reason, ...rest } = record as VerificationView;
  return rest;
}

function copyTablesOf(record: CopyView, width: number): string {
  const { checkpoint_id: _karborForm, checkpoints, ...rest } = record;
  const pairs = listTable(checkpoints, [
    { header: 'source checkpoint', cell: (pair) => pair.source_checkpoint_id },
    { header: 'copy checkpoint', cell: (pair) => pair.copy_checkpoint_id },
    { header: 'status', cell: (pair) => pair.status },
    { header: 'reason', cell: (pair) => pair.reason },
  ]);
  return `${propertiesOf(rest, width)}${pairs}`;
}

const PROVIDER_COLUMNS: Column<ProviderView>[] = [
  { header: 'Id', cell: (row) => row.id },
  { header: 'Name', cell: (row) => row.name },
  { header: 'Description', cell: (row) => row.description },
  { header: 'Destinations', cell: (row) => row.destinations.join(', ') },
];

const PLAN_COLUMNS: Column<PlanView>[] = [
  { header: 'Id', cell: (row) => row.id },
  { header: 'Name', cell: (row) => row.name },
  { header: 'Description', cell: (row) => row.description },
  { header: 'Provider id', cell: (row) => row.provider_id },
  { header: 'Status', cell: (row) => row.status },
];

const CHECKPOINT_COLUMNS: Column<CheckpointView>[] = [
  { header: 'Id', cell: (row) => row.id },
  { header: 'Status', cell: (row) => row.status },
  { header: 'Plan', cell: (row) => row.protection_plan.name },
  { header: 'Bank', cell: (row) => row.bank },
  { header: 'Created at', cell: (row) => row.created_at },
];

const VERIFICATION_COLUMNS: Column<VerificationView>[] = [
  { header: 'Id', cell: (row) => row.id },
  { header: 'Checkpoint id', cell: (row) => row.checkpoint_id },
  { header: 'Level', cell: (row) => row.level },
  { header: 'Bank', cell: (row) => row.bank },
  { header: 'Status', cell: (row) => row.status },
  { header: 'Created at', cell: (row) => row.created_at },
];

const COPY_COLUMNS: Column<CopyView>[] = [
  { header: 'Id', cell: (row) => row.id },
  { header: 'Plan id', cell: (row) => row.plan_id },
  { header: 'Destination', cell: (row) => row.destination },
  { header: 'Status', cell: (row) => row.status },
  { header: 'Checkpoints', cell: (row) => row.checkpoints.length },
  { header: 'Created at', cell: (row) => row.created_at },
];

const OPERATION_LOG_COLUMNS: Column<OperationLogView>[] = [
  { header: 'Id', cell: (row) => row.id },
  { header: 'Type', cell: (row) => row.operation_type },
  { header: 'Status', cell: (row) => row.status },
  { header: 'Checkpoint id', cell: (row) => row.checkpoint_id },
  { header: 'Started at', cell: (row) => row.started_at },
  { header: 'Ended at', cell: (row) => row.ended_at },
  { header: 'Error', cell: (row) => row.error_info },
];
