/**
 * The real `karbor` CLI (python3-karborclient 2.1.0, /usr/bin/karbor) against the running API,
 * for every command of it that the API serves: providers, protectables, plans, checkpoints,
 * restores, verifications, operation logs, quotas, quota classes and services. Each command's
 * printed table is checked (ids, names, statuses, JSON columns that parse), and a few failures
 * (404, 403, 401, 503) for their exit code and the message on stderr. The copy action, which the
 * CLI lacks, is done over plain HTTP and its copy checkpoint then verified with the CLI.
 *
 * Every invocation costs about a second of Python start-up, so set-up the CLI is not the
 * subject of (protecting a plan for a restore, say) goes through the API, and independent
 * commands run together. The plans test comes first: its paging checks expect project A to hold
 * only its plans. Without the CLI every test fails, saying to run scripts/karbor-client-up.sh.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_A, PROJECT_B, PROVIDER_ID, TOKENS, startHttpService, type HttpTestService } from '../helpers/http-service.js';
import { KARBOR_CLI, KARBOR_CLI_MISSING, errorText, karborCli, parseProperties, parseTable, type KarborCli } from '../helpers/karbor-cli.js';

const DIR = 'OS::Local::Directory';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const REQUEST_ID = /\(Request-ID: req-[0-9a-f-]{36}\)$/;
const SLOW = 90_000;

let api: HttpTestService;
/** Member of project A, member of project B, admin (scoped to A). */
let memberA: KarborCli;
let memberB: KarborCli;
let admin: KarborCli;

beforeAll(async () => {
  api = await startHttpService();
  memberA = karborCli(api.base(PROJECT_A), TOKENS.memberA);
  memberB = karborCli(api.base(PROJECT_B), TOKENS.memberB);
  admin = karborCli(api.base(PROJECT_A), TOKENS.admin);
});
afterAll(() => api?.close());

/** `YYYY-MM-DD`, `days` from today (UTC). */
const day = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** A plan of project A over `ids`, made through the API. */
async function createPlan(name: string, ids: string[] = ['docs']): Promise<any> {
  const { status, body } = await api.request('POST', '/plans', {
    body: { plan: { name, provider_id: PROVIDER_ID, resources: ids.map((id) => ({ id, type: DIR, name: id })), parameters: {} } },
  });
  expect(status).toBe(201);
  return body.plan;
}

/** An available checkpoint of `planId`, made through the API. */
async function protect(planId: string): Promise<any> {
  const { status, body } = await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints`, { body: { checkpoint: { plan_id: planId } } });
  expect(status).toBe(202);
  await api.service.settled(body.checkpoint.id);
  const shown = await api.request('GET', `/providers/${PROVIDER_ID}/checkpoints/${body.checkpoint.id}`);
  expect(shown.body.checkpoint.status).toBe('available');
  return shown.body.checkpoint;
}

/** The rows of `table` whose `column` is one of `ids`, in printed order. */
const rowsOf = (table: { rows: readonly Record<string, string>[] }, ids: readonly string[], column = 'Id') => table.rows.filter((row) => ids.includes(row[column]!));

// Each karbor call starts Python (~1 s, more on a loaded machine): generous per-test time.
describe('the karbor CLI (python3-karborclient) against the API', { timeout: 240_000 }, () => {
  it(`is installed at ${KARBOR_CLI}`, () => {
    expect(existsSync(KARBOR_CLI), KARBOR_CLI_MISSING).toBe(true);
  });

  it('plan-create (--parameters, --parameters-json), plan-list (filters, tenants, sort, marker, limit), plan-show, plan-update, plan-delete', async () => {
    const [alphaOut, betaOut, gammaOut] = await Promise.all([
      memberA.ok('plan-create', 'cli-alpha', PROVIDER_ID, `docs=${DIR}=docs`, '--description', 'first plan', '--parameters', `resource_type=${DIR}`),
      memberA.ok('plan-create', 'cli-beta', PROVIDER_ID, `docs=${DIR}=docs,media=${DIR}=media={"tier": "gold"}`, '--parameters-json', JSON.stringify({ [DIR]: { exclude: ['*.bin'] } })),
      memberB.ok('plan-create', 'cli-gamma', PROVIDER_ID, `media=${DIR}=media`),
    ]);
    const alpha = parseProperties(alphaOut);
    expect(alpha).toMatchObject({ name: 'cli-alpha', description: 'first plan', provider_id: PROVIDER_ID, project_id: PROJECT_A, status: 'suspended' });
    expect(alpha['id']).toMatch(UUID);
    // `resources` and `parameters` are printed as pretty JSON.
    expect(JSON.parse(alpha['parameters']!)).toEqual({ [DIR]: {} });
    expect(JSON.parse(alpha['resources']!)).toEqual([{ id: 'docs', type: DIR, name: 'docs', extra_info: null }]);
    const beta = parseProperties(betaOut);
    expect(JSON.parse(beta['parameters']!)).toEqual({ [DIR]: { exclude: ['*.bin'] } });
    expect(JSON.parse(beta['resources']!)).toEqual([
      { id: 'docs', type: DIR, name: 'docs', extra_info: null },
      { id: 'media', type: DIR, name: 'media', extra_info: { tier: 'gold' } },
    ]);
    const gamma = parseProperties(gammaOut);
    expect(gamma).toMatchObject({ name: 'cli-gamma', project_id: PROJECT_B });
    const [alphaId, betaId, gammaId] = [alpha['id']!, beta['id']!, gamma['id']!];

    const [all, filtered, descending, firstPage, everyProject, projectB, shown] = await Promise.all([
      memberA.ok('plan-list'),
      memberA.ok('plan-list', '--name', 'cli-alpha', '--status', 'suspended', '--description', 'first plan'),
      memberA.ok('plan-list', '--sort', 'name:desc'),
      memberA.ok('plan-list', '--sort', 'name:asc', '--limit', '1'),
      admin.ok('plan-list', '--all-tenants'),
      admin.ok('plan-list', '--tenant', PROJECT_B),
      memberA.ok('plan-show', alphaId),
    ]);
    const table = parseTable(all);
    expect(table.columns).toEqual(['Id', 'Name', 'Description', 'Provider id', 'Status']);
    expect(table.rows.map((row) => row['Id']).sort()).toEqual([alphaId, betaId].sort());
    expect(rowsOf(table, [alphaId])).toEqual([{ Id: alphaId, Name: 'cli-alpha', Description: 'first plan', 'Provider id': PROVIDER_ID, Status: 'suspended' }]);
    expect(parseTable(filtered).rows.map((row) => row['Id'])).toEqual([alphaId]);
    // With --sort the client keeps the server's order.
    expect(parseTable(descending).rows.map((row) => row['Name'])).toEqual(['cli-beta', 'cli-alpha']);
    expect(parseTable(firstPage).rows.map((row) => row['Name'])).toEqual(['cli-alpha']);
    const nextPage = await memberA.ok('plan-list', '--sort', 'name:asc', '--limit', '1', '--marker', alphaId);
    expect(parseTable(nextPage).rows.map((row) => row['Name'])).toEqual(['cli-beta']);
    expect(parseTable(everyProject).rows.map((row) => row['Id'])).toEqual(expect.arrayContaining([alphaId, betaId, gammaId]));
    expect(parseTable(projectB).rows.map((row) => row['Id'])).toEqual([gammaId]);
    expect(parseProperties(shown)).toMatchObject({ id: alphaId, name: 'cli-alpha', description: 'first plan', status: 'suspended' });

    // Update by name (the client's find-by-name lookup) and by id; update prints Python reprs.
    const [renamed, moved] = await Promise.all([
      memberA.ok('plan-update', 'cli-beta', '--name', 'cli-beta-2', '--description', 'second plan', '--status', 'started'),
      memberA.ok('plan-update', alphaId, '--resources', `docs=${DIR}=docs,media=${DIR}=media`),
    ]);
    expect(parseProperties(renamed)).toMatchObject({ id: betaId, name: 'cli-beta-2', description: 'second plan', status: 'started' });
    const resources = parseProperties(moved)['resources']!;
    expect(resources).toContain("'id': 'docs'");
    expect(resources).toContain("'id': 'media'");
    expect((await api.request('GET', `/plans/${alphaId}`)).body.plan.resources.map((r: any) => r.id)).toEqual(['docs', 'media']);

    // Delete one by name and one by id in one command.
    expect(await memberA.ok('plan-delete', 'cli-beta-2', alphaId)).toBe('');
    expect((await api.request('GET', `/plans/${alphaId}`)).status).toBe(404);
    expect((await api.request('GET', `/plans/${betaId}`)).status).toBe(404);

    const [missing, missingByName] = await Promise.all([memberA.run('plan-show', UNKNOWN), memberA.run('plan-delete', 'no-such-plan')]);
    expect(missing.code).toBe(1);
    expect(errorText(missing.stderr)).toMatch(new RegExp(`^Plan ${UNKNOWN} not found \\(HTTP 404\\) ${REQUEST_ID.source}`));
    expect(missingByName.code).toBe(1);
    expect(errorText(missingByName.stderr)).toBe("No plan with a name or ID of 'no-such-plan' exists.");
  }, SLOW);

  it('provider-list and provider-show', async () => {
    const [list, show] = await Promise.all([memberA.ok('provider-list'), memberA.ok('provider-show', PROVIDER_ID)]);
    expect(parseTable(list)).toEqual({ columns: ['Id', 'Name', 'Description'], rows: [{ Id: PROVIDER_ID, Name: 'local', Description: 'Local directories' }] });
    const provider = parseProperties(show);
    expect(provider).toMatchObject({ id: PROVIDER_ID, name: 'local', description: 'Local directories', destinations: "['region-b']" });
    const schemas = JSON.parse(provider['extended_info_schema']!);
    expect(Object.keys(schemas)).toEqual(expect.arrayContaining(['options_schema', 'restore_schema', 'saved_info_schema', 'verify_schema']));
    expect(schemas.restore_schema[DIR].required).toEqual(['target_path']);
  }, SLOW);

  it('protectable-list, protectable-show, protectable-list-instances (--parameters as a Python dict repr), protectable-show-instance', async () => {
    const [types, type, instances, instance] = await Promise.all([
      memberA.ok('protectable-list'),
      memberA.ok('protectable-show', DIR),
      // Sent as parameters={'region': 'RegionOne', 'flag': None}: a 400 would mean the repr was not parsed.
      memberA.ok('protectable-list-instances', DIR, '--parameters', 'region=RegionOne', 'flag'),
      memberA.ok('protectable-show-instance', DIR, 'media', '--parameters', 'region=RegionOne'),
    ]);
    expect(parseTable(types)).toEqual({ columns: ['Protectable type'], rows: [{ 'Protectable type': DIR }] });
    expect(parseProperties(type)).toEqual({ name: DIR, dependent_types: '[]' });
    const table = parseTable(instances);
    expect(table.columns).toEqual(['Id', 'Type', 'Name', 'Dependent resources', 'Extra info']);
    expect(table.rows.map((row) => [row['Id'], row['Type'], row['Name'], row['Dependent resources']])).toEqual([
      ['docs', DIR, 'docs', '[]'],
      ['media', DIR, 'media', '[]'],
    ]);
    expect(table.rows[0]!['Extra info']).toBe(`{'path': '${join(api.data, 'docs')}'}`);
    expect(parseProperties(instance)).toEqual({ id: 'media', type: DIR, name: 'media', dependent_resources: '[]', extra_info: `{'path': '${join(api.data, 'media')}'}` });
  }, SLOW);

  it('checkpoint-create (--extra_info), checkpoint-list (--plan_id, dates), checkpoint-show, checkpoint-reset-state (--available), checkpoint-delete', async () => {
    const plan = await createPlan('cli-checkpoints');
    const created = parseProperties(await memberA.ok('checkpoint-create', PROVIDER_ID, plan.id, '--extra_info', 'created_by=cli', 'note=hello', 'flag'));
    const id = created['id']!;
    expect(id).toMatch(UUID);
    expect(created).toMatchObject({ status: 'protecting', project_id: PROJECT_A, provider_id: PROVIDER_ID });
    expect(created['extra_info']).toBe("{'created_by': 'cli', 'note': 'hello', 'flag': None}");
    // protection_plan is pretty JSON; resource_graph is a JSON string the client decodes.
    expect(JSON.parse(created['protection_plan']!)).toMatchObject({ id: plan.id, name: 'cli-checkpoints', provider_id: PROVIDER_ID });
    expect(Object.values(JSON.parse(created['resource_graph']!)[0])).toEqual([[DIR, 'docs', 'docs', {}]]);
    await api.service.settled(id);

    const [listed, later, shown] = await Promise.all([
      memberA.ok('checkpoint-list', PROVIDER_ID, '--plan_id', plan.id, '--start_date', day(-1), '--end_date', day(1)),
      memberA.ok('checkpoint-list', PROVIDER_ID, '--plan_id', plan.id, '--start_date', day(1)),
      memberA.ok('checkpoint-show', PROVIDER_ID, id),
    ]);
    const table = parseTable(listed);
    // No `metadata` in the rows, so the client hides that column.
    expect(table.columns).toEqual(['Id', 'Project id', 'Status', 'Protection plan', 'Created at']);
    expect(table.rows).toEqual([
      { Id: id, 'Project id': PROJECT_A, Status: 'available', 'Protection plan': `Name: cli-checkpoints\nId: ${plan.id}`, 'Created at': expect.stringMatching(/^\d{4}-\d\d-\d\d/) },
    ]);
    expect(parseTable(later).rows).toEqual([]);
    const checkpoint = parseProperties(shown);
    expect(checkpoint).toMatchObject({ id, status: 'available', resources_status: `{'${DIR}#docs': 'available'}` });
    expect(JSON.parse(checkpoint['protection_plan']!).resources).toEqual([{ id: 'docs', type: DIR, name: 'docs', extra_info: null }]);
    expect(JSON.parse(checkpoint['resource_graph']!)).toHaveLength(2);

    // One id per PUT; an unknown id is reported on stdout and the others still go through.
    const reset = await memberA.run('checkpoint-reset-state', PROVIDER_ID, id, UNKNOWN);
    expect([reset.code, reset.stdout.trim()]).toEqual([0, `Failed to reset state of '${UNKNOWN}'; checkpoint not found`]);
    expect((await api.request('GET', `/providers/${PROVIDER_ID}/checkpoints/${id}`)).body.checkpoint.status).toBe('error');
    expect(await memberA.ok('checkpoint-reset-state', '--available', PROVIDER_ID, id)).toBe('');
    expect((await api.request('GET', `/providers/${PROVIDER_ID}/checkpoints/${id}`)).body.checkpoint.status).toBe('available');

    const deleted = await memberA.run('checkpoint-delete', PROVIDER_ID, id, UNKNOWN);
    expect([deleted.code, deleted.stdout.trim()]).toEqual([0, `Failed to delete '${UNKNOWN}'; checkpoint not found`]);
    await api.service.settled(`delete-${id}`);
    expect((await api.request('GET', `/providers/${PROVIDER_ID}/checkpoints/${id}`)).status).toBe(404);
  }, SLOW);

  it('restore-create (--parameters target_path), restore-list, restore-show, verification-create/list/show, operationlog-list/show', async () => {
    const plan = await createPlan('cli-restore');
    const checkpoint = await protect(plan.id);
    const target = resolve(api.data, '..', 'restored-by-cli');
    const [restoreOut, verificationOut] = await Promise.all([
      memberA.ok('restore-create', PROVIDER_ID, checkpoint.id, '--parameters', `resource_type=${DIR},target_path=${target}`),
      memberA.ok('verification-create', PROVIDER_ID, checkpoint.id, '--parameters', `resource_type=${DIR}`),
    ]);
    const restore = parseProperties(restoreOut);
    expect(restore).toMatchObject({ status: 'in_progress', provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id, project_id: PROJECT_A, restore_target: 'None' });
    expect(JSON.parse(restore['parameters']!)).toEqual({ [DIR]: { target_path: target } });
    const verification = parseProperties(verificationOut);
    expect(verification).toMatchObject({ status: 'verifying', provider_id: PROVIDER_ID, checkpoint_id: checkpoint.id });
    expect(JSON.parse(verification['parameters']!)).toEqual({ [DIR]: {} });
    const [restoreId, verificationId] = [restore['id']!, verification['id']!];
    await Promise.all([api.service.settled(restoreId), api.service.settled(verificationId)]);
    expect(readFileSync(join(target, 'a.txt'), 'utf8')).toBe('alpha\n');

    const [restores, restoreShown, verifications, verificationShown, logs] = await Promise.all([
      memberA.ok('restore-list', '--status', 'success'),
      memberA.ok('restore-show', restoreId),
      memberA.ok('verification-list', '--status', 'success', '--sort', 'created_at:desc'),
      memberA.ok('verification-show', verificationId),
      memberA.ok('operationlog-list', '--status', 'success'),
    ]);
    const restoreTable = parseTable(restores);
    expect(restoreTable.columns).toEqual(['Id', 'Project id', 'Provider id', 'Checkpoint id', 'Restore target', 'Parameters', 'Status']);
    const [restoreRow] = rowsOf(restoreTable, [restoreId]);
    expect(restoreRow).toMatchObject({ 'Project id': PROJECT_A, 'Provider id': PROVIDER_ID, 'Checkpoint id': checkpoint.id, 'Restore target': '-', Status: 'success' });
    expect(JSON.parse(restoreRow!['Parameters']!)).toEqual({ [DIR]: { target_path: target } });
    expect(parseProperties(restoreShown)).toMatchObject({ id: restoreId, status: 'success', error: 'None' });

    const verificationTable = parseTable(verifications);
    expect(verificationTable.columns).toEqual(['Id', 'Project id', 'Provider id', 'Checkpoint id', 'Parameters', 'Status']);
    const [verificationRow] = rowsOf(verificationTable, [verificationId]);
    expect(verificationRow).toMatchObject({ 'Checkpoint id': checkpoint.id, Status: 'success' });
    expect(JSON.parse(verificationRow!['Parameters']!)).toEqual({ [DIR]: {} });
    expect(parseProperties(verificationShown)).toMatchObject({ id: verificationId, status: 'success', resources_status: `{'${DIR}#docs': 'success'}` });

    const logTable = parseTable(logs);
    expect(logTable.columns).toEqual([
      'Id', 'Operation Type', 'Checkpoint id', 'Plan Id', 'Provider id', 'Restore Id', 'Scheduled Operation Id', 'Status', 'Started At', 'Ended At', 'Error Info', 'Extra Info',
    ]);
    const mine = rowsOf(logTable, [checkpoint.id], 'Checkpoint id');
    expect(mine.map((row) => row['Operation Type']).sort()).toEqual(['protect', 'restore', 'verify']);
    for (const row of mine) expect(row).toMatchObject({ 'Plan Id': plan.id, 'Provider id': PROVIDER_ID, Status: 'success', 'Error Info': '-' });
    const restoreLog = mine.find((row) => row['Operation Type'] === 'restore')!;
    expect(restoreLog['Restore Id']).toBe(restoreId);

    const log = parseProperties(await memberA.ok('operationlog-show', restoreLog['Id']!));
    expect(log).toMatchObject({ id: restoreLog['Id'], operation_type: 'restore', checkpoint_id: checkpoint.id, restore_id: restoreId, status: 'success' });
  }, SLOW);

  it('verification-create on a copy checkpoint (the copy itself made over HTTP: the CLI has no copy command)', async () => {
    const plan = await createPlan('cli-copy');
    const source = await protect(plan.id);
    const copy = await api.request('POST', `/providers/${PROVIDER_ID}/checkpoints/action`, { body: { copy: { plan_id: plan.id, parameters: {} } } });
    expect(copy.status).toBe(202);
    await api.service.settled(copy.body.copy.id);
    const copied = (await api.request('GET', `/copies/${copy.body.copy.id}`)).body.copy;
    expect(copied.status).toBe('finished');
    const copyCheckpointId: string = copied.checkpoints[0].copy_checkpoint_id;
    expect(copied.checkpoints[0].source_checkpoint_id).toBe(source.id);

    const created = parseProperties(await memberA.ok('verification-create', PROVIDER_ID, copyCheckpointId));
    // The client sends no bank: the service finds the checkpoint in the copy destination.
    expect(created).toMatchObject({ checkpoint_id: copyCheckpointId, bank: 'region-b', status: 'verifying', parameters: '{}' });
    await api.service.settled(created['id']!);
    const shown = parseProperties(await memberA.ok('verification-show', created['id']!));
    expect(shown).toMatchObject({ id: created['id'], checkpoint_id: copyCheckpointId, bank: 'region-b', status: 'success', resources_status: `{'${DIR}#docs': 'success'}` });
  }, SLOW);

  it('quota-show --tenant (and --detail), quota-defaults --tenant, quota-update (admin; a member gets 403)', async () => {
    const inUse = (await api.request('GET', '/plans', { token: TOKENS.memberB, project: PROJECT_B })).body.plans.length;
    const [quota, detail, defaults, refused] = await Promise.all([
      memberB.ok('quota-show', '--tenant', PROJECT_B),
      memberB.ok('quota-show', '--tenant', PROJECT_B, '--detail'),
      memberB.ok('quota-defaults', '--tenant', PROJECT_B),
      memberB.run('quota-update', PROJECT_B, '--plans', '3'),
    ]);
    expect(parseProperties(quota)).toEqual({ id: PROJECT_B, plans: '50', checkpoints: '-1' });
    // --detail prints each limit as sorted `k = v` lines.
    expect(parseProperties(detail)).toEqual({
      id: PROJECT_B,
      plans: `in_use = ${inUse}\nlimit = 50\nreserved = 0`,
      checkpoints: 'in_use = 0\nlimit = -1\nreserved = 0',
    });
    expect(parseProperties(defaults)).toEqual({ id: PROJECT_B, plans: '50', checkpoints: '-1' });
    expect(refused.code).toBe(1);
    expect(errorText(refused.stderr)).toMatch(new RegExp(`^The policy does not allow quota:update \\(HTTP 403\\) ${REQUEST_ID.source}`));

    expect(parseProperties(await admin.ok('quota-update', PROJECT_B, '--plans', '7'))).toEqual({ plans: '7', checkpoints: '-1' });
    expect((await api.request('GET', `/quotas/${PROJECT_B}`, { token: TOKENS.memberB, project: PROJECT_B })).body.quota.plans).toBe(7);
  }, SLOW);

  it('quota-class-update (admin) and quota-class-show', async () => {
    expect(parseProperties(await admin.ok('quota-class-update', 'default', '--plans', '60'))).toEqual({ plans: '60', checkpoints: '-1' });
    expect(parseProperties(await memberA.ok('quota-class-show', 'default'))).toEqual({ id: 'default', plans: '60', checkpoints: '-1' });
    expect((await api.request('GET', `/quotas/${PROJECT_A}/defaults`)).body.quota.plans).toBe(60);
    await api.request('PUT', '/quota_classes/default', { token: TOKENS.admin, body: { quota_class: { plans: 50 } } });
  }, SLOW);

  it('service-list, service-disable --reason (new protects get 503), service-enable', async () => {
    const services = parseTable(await admin.ok('service-list'));
    expect(services.columns).toEqual(['Id', 'Binary', 'Host', 'Status', 'State', 'Updated_at', 'Disabled Reason']);
    expect(services.rows).toEqual([
      { Id: expect.stringMatching(/^\d+$/), Binary: 'karbor-protection', Host: 'http-test-node', Status: 'enabled', State: 'up', Updated_at: expect.any(String), 'Disabled Reason': '-' },
    ]);
    const id = services.rows[0]!['Id']!;
    const plan = await createPlan('cli-services');

    const disabled = parseTable(await admin.ok('service-disable', id, '--reason', 'maintenance window'));
    expect(disabled.rows).toEqual([expect.objectContaining({ Id: id, Status: 'disabled', 'Disabled Reason': 'maintenance window' })]);
    const refused = await memberA.run('checkpoint-create', PROVIDER_ID, plan.id);
    expect(refused.code).toBe(1);
    expect(errorText(refused.stderr)).toMatch(new RegExp(`is disabled: maintenance window \\(HTTP 503\\) ${REQUEST_ID.source}`));

    const enabled = parseTable(await admin.ok('service-enable', id));
    expect(enabled.rows).toEqual([expect.objectContaining({ Id: id, Status: 'enabled', State: 'up', 'Disabled Reason': '-' })]);
  }, SLOW);

  it('an unknown token: the client reports the failed authentication with the fault body', async () => {
    const result = await karborCli(api.base(PROJECT_A), 'no-such-token').run('provider-list');
    expect(result.code).toBe(1);
    const text = errorText(result.stderr);
    expect(text.split('\n')[0]).toBe('Authentication failed. Please try again.');
    expect(text).toContain('The token is not valid');
  }, SLOW);
});
