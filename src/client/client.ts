/**
 * {@link KarborClient}: one method per endpoint of the Karbor v1 API, typed from the server's
 * own schemas; lists as pages (`listX`) and async iterators that follow the next links
 * (`iterateX`); {@link KarborClient.waitFor | waitFor} for long work; errors as the project's
 * coded errors.
 *
 * @module
 */
import { ValidationError, isFrameworkError } from '../core/errors.js';
import { keystoneTokenSource, type KeystoneLogin, type TokenSource } from './auth.js';
import { faultError, invalidAnswer, transportError, type RequestPlace } from './errors.js';
import type {
  BankOption,
  CheckpointCopyBody,
  CheckpointCreateRequest,
  CheckpointListQuery,
  CheckpointResetState,
  CheckpointView,
  CopyListQuery,
  CopyRequest,
  CopyView,
  LinkView,
  OperationLogListQuery,
  OperationLogView,
  Page,
  PlanCreateRequest,
  PlanListQuery,
  PlanUpdateRequest,
  PlanView,
  ProtectableInstanceQuery,
  ProtectableInstanceView,
  ProtectableTypeView,
  ProviderListQuery,
  ProviderView,
  QuotaDetailView,
  QuotaLimits,
  QuotaLimitsView,
  QuotaView,
  RestoreCreateRequest,
  RestoreListQuery,
  RestoreView,
  ServiceListQuery,
  ServiceUpdateRequest,
  ServiceView,
  VerificationCreateBody,
  VerificationListQuery,
  VerificationRequest,
  VerificationView,
} from './types.js';
import { isTerminal, pollUntil, type WaitForOptions, type WaitKind, type WaitRecords } from './wait.js';

/** Options of {@link KarborClient}. */
export interface KarborClientOptions {
  /**
   * The API's URL: the `/v1/<project>` base, as the `karbor` client takes it
   * (`http://host:8799/v1/6b1f…`), or the service's root (`http://host:8799`) with
   * {@link KarborClientOptions.projectId | projectId} (or a Keystone token's project). Optional
   * with Keystone, whose catalog has the `data-protect` endpoint.
   */
  readonly url?: string;
  /** The project, when `url` is the service's root. @default the Keystone token's project */
  readonly projectId?: string;
  /** A static token, sent as `X-Auth-Token` (a 401 is final). */
  readonly token?: string;
  /** Keystone v3 credentials: the client logs in, and logs in again once when the API answers 401. */
  readonly keystone?: KeystoneLogin;
  /** Any token source (a `KeystoneSession` of `karbor-ts`'s clients, say), instead of `token` or `keystone`. */
  readonly auth?: TokenSource;
  /** The catalog service type of the API. @default 'data-protect' */
  readonly serviceType?: string;
  /** Per-request timeout, in ms. @default 60000 */
  readonly timeoutMs?: number;
  /** Headers sent with every request. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The fetch function. @default globalThis.fetch */
  readonly fetch?: typeof globalThis.fetch;
}

/** Options every call takes. */
export interface CallOptions {
  /** Cancels the request (`KTS_ERR_CANCELLED`). */
  readonly signal?: AbortSignal;
}

/** A query: an object of wire names (`undefined` left out, booleans as 1/0, objects as JSON), or ready-made params. */
type Query = object;

interface CallSpec {
  readonly query?: Query | undefined;
  readonly body?: unknown;
  readonly signal?: AbortSignal | undefined;
}

const seg = encodeURIComponent;

/** A typed client of the Karbor v1 API (see the module comment). */
export class KarborClient {
  readonly #options: KarborClientOptions;
  readonly #fetch: typeof globalThis.fetch;
  readonly #timeoutMs: number;
  #source: Promise<TokenSource | undefined> | undefined;
  #base: Promise<string> | undefined;

  /** Creates a client; nothing is sent until the first call. Throws `KTS_ERR_INVALID_OPTION` for a configuration that cannot work. */
  constructor(options: KarborClientOptions) {
    const ways = [options.token, options.keystone, options.auth].filter((way) => way !== undefined).length;
    if (ways !== 1) {
      throw new ValidationError('Give exactly one of token, keystone or auth to authenticate to the Karbor API', { code: 'KTS_ERR_INVALID_OPTION' });
    }
    if (options.url !== undefined && !/^https?:\/\/[^/]/.test(options.url)) {
      throw new ValidationError(`Invalid Karbor URL ${JSON.stringify(options.url)}: expected http(s)://host[:port]/v1/<project>`, { code: 'KTS_ERR_INVALID_OPTION' });
    }
    if (options.url === undefined && options.token !== undefined) {
      throw new ValidationError('A Karbor URL is needed with a static token (only Keystone has a catalog to find it in)', { code: 'KTS_ERR_INVALID_OPTION' });
    }
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** The `/v1/<project>` base URL requests go to (from the options, or the Keystone catalog and token). */
  baseUrl(signal?: AbortSignal): Promise<string> {
    this.#base ??= this.#resolveBase(signal).catch((error: unknown) => {
      this.#base = undefined;
      throw error;
    });
    return this.#base;
  }

  // ---- providers -------------------------------------------------------------------------

  /** `GET /providers`: one page of providers. */
  listProviders(query: ProviderListQuery = {}, options: CallOptions = {}): Promise<Page<ProviderView>> {
    return this.#page('/providers', 'providers', query, options.signal);
  }

  /** Every provider, page after page. */
  iterateProviders(query: ProviderListQuery = {}, options: CallOptions = {}): AsyncGenerator<ProviderView, void, undefined> {
    return this.#iterate('/providers', 'providers', query, options.signal);
  }

  /** `GET /providers/{id}`: a provider with its extended-info schemas and copy destinations. */
  async getProvider(providerId: string, options: CallOptions = {}): Promise<ProviderView> {
    return (await this.#json<{ provider: ProviderView }>('GET', `/providers/${seg(providerId)}`, options)).provider;
  }

  // ---- plans -----------------------------------------------------------------------------

  /** `GET /plans`: one page of plans. */
  listPlans(query: PlanListQuery = {}, options: CallOptions = {}): Promise<Page<PlanView>> {
    return this.#page('/plans', 'plans', query, options.signal);
  }

  /** Every plan, page after page. */
  iteratePlans(query: PlanListQuery = {}, options: CallOptions = {}): AsyncGenerator<PlanView, void, undefined> {
    return this.#iterate('/plans', 'plans', query, options.signal);
  }

  /** `POST /plans`: creates a plan (status `suspended`). */
  async createPlan(plan: PlanCreateRequest, options: CallOptions = {}): Promise<PlanView> {
    return (await this.#json<{ plan: PlanView }>('POST', '/plans', { body: { plan }, signal: options.signal })).plan;
  }

  /** `GET /plans/{id}`. */
  async getPlan(planId: string, options: CallOptions = {}): Promise<PlanView> {
    return (await this.#json<{ plan: PlanView }>('GET', `/plans/${seg(planId)}`, options)).plan;
  }

  /** `PUT /plans/{id}`: changes a plan (resources and parameters only while it is suspended). */
  async updatePlan(planId: string, changes: PlanUpdateRequest, options: CallOptions = {}): Promise<PlanView> {
    return (await this.#json<{ plan: PlanView }>('PUT', `/plans/${seg(planId)}`, { body: { plan: changes }, signal: options.signal })).plan;
  }

  /** `DELETE /plans/{id}` (its checkpoints keep their snapshot of it). */
  async deletePlan(planId: string, options: CallOptions = {}): Promise<void> {
    await this.#call('DELETE', `/plans/${seg(planId)}`, options);
  }

  // ---- checkpoints -----------------------------------------------------------------------

  /** `GET /providers/{id}/checkpoints`: one page, newest first (`bank` lists a copy destination). */
  listCheckpoints(providerId: string, query: CheckpointListQuery = {}, options: CallOptions = {}): Promise<Page<CheckpointView>> {
    return this.#page(`/providers/${seg(providerId)}/checkpoints`, 'checkpoints', query, options.signal);
  }

  /** Every checkpoint of a provider (in one bank), page after page. */
  iterateCheckpoints(providerId: string, query: CheckpointListQuery = {}, options: CallOptions = {}): AsyncGenerator<CheckpointView, void, undefined> {
    return this.#iterate(`/providers/${seg(providerId)}/checkpoints`, 'checkpoints', query, options.signal);
  }

  /** `POST /providers/{id}/checkpoints`: protects a plan; answers the `protecting` checkpoint (see {@link KarborClient.waitFor | waitFor}). */
  async createCheckpoint(providerId: string, checkpoint: CheckpointCreateRequest, options: CallOptions = {}): Promise<CheckpointView> {
    return (await this.#json<{ checkpoint: CheckpointView }>('POST', `/providers/${seg(providerId)}/checkpoints`, { body: { checkpoint }, signal: options.signal })).checkpoint;
  }

  /** `GET /providers/{id}/checkpoints/{id}`: searched in the main bank, then each copy destination (or in `bank`). */
  async getCheckpoint(providerId: string, checkpointId: string, options: BankOption & CallOptions = {}): Promise<CheckpointView> {
    const path = `/providers/${seg(providerId)}/checkpoints/${seg(checkpointId)}`;
    return (await this.#json<{ checkpoint: CheckpointView }>('GET', path, { query: { bank: options.bank }, signal: options.signal })).checkpoint;
  }

  /** `DELETE /providers/{id}/checkpoints/{id}`: starts deleting; answers the `deleting` checkpoint. */
  async deleteCheckpoint(providerId: string, checkpointId: string, options: BankOption & CallOptions = {}): Promise<CheckpointView> {
    const path = `/providers/${seg(providerId)}/checkpoints/${seg(checkpointId)}`;
    return (await this.#json<{ checkpoint: CheckpointView }>('DELETE', path, { query: { bank: options.bank }, signal: options.signal })).checkpoint;
  }

  /** `PUT /providers/{id}/checkpoints/{id}` with `os-resetState`: sets the status to `available` or `error`. */
  async resetCheckpointState(providerId: string, checkpointId: string, state: CheckpointResetState, options: BankOption & CallOptions = {}): Promise<CheckpointView> {
    const path = `/providers/${seg(providerId)}/checkpoints/${seg(checkpointId)}`;
    const body = { 'os-resetState': { state } };
    return (await this.#json<{ checkpoint: CheckpointView }>('PUT', path, { query: { bank: options.bank }, body, signal: options.signal })).checkpoint;
  }

  /** `POST /providers/{id}/checkpoints/{id}/action` with `cancel`: cancels a running protect. */
  async cancelCheckpoint(providerId: string, checkpointId: string, options: CallOptions = {}): Promise<CheckpointView> {
    const path = `/providers/${seg(providerId)}/checkpoints/${seg(checkpointId)}/action`;
    return (await this.#json<{ checkpoint: CheckpointView }>('POST', path, { body: { cancel: {} }, signal: options.signal })).checkpoint;
  }

  /**
   * `POST /providers/{id}/checkpoints/action` with `copy`: copies every available checkpoint of
   * a plan that the destination does not hold yet. One request answers one copy record; a list
   * answers one record per item, in order.
   */
  copyCheckpoints(providerId: string, copy: CopyRequest, options?: CallOptions): Promise<CopyView>;
  /** The list form (the seed's): one copy record per item. */
  copyCheckpoints(providerId: string, copies: readonly CopyRequest[], options?: CallOptions): Promise<CopyView[]>;
  async copyCheckpoints(providerId: string, copy: CopyRequest | readonly CopyRequest[], options: CallOptions = {}): Promise<CopyView | CopyView[]> {
    const body: CheckpointCopyBody = { copy: isList(copy) ? [...copy] : copy };
    const answer = await this.#json<{ copy?: CopyView; copies?: CopyView[] }>('POST', `/providers/${seg(providerId)}/checkpoints/action`, { body, signal: options.signal });
    const records = answer.copies ?? (answer.copy ? [answer.copy] : []);
    return isList(copy) ? records : records[0]!;
  }

  // ---- restores --------------------------------------------------------------------------

  /** `POST /restores`: restores from an available checkpoint; answers the `in_progress` record. */
  async createRestore(restore: RestoreCreateRequest, options: CallOptions = {}): Promise<RestoreView> {
    return (await this.#json<{ restore: RestoreView }>('POST', '/restores', { body: { restore }, signal: options.signal })).restore;
  }

  /** `GET /restores`: one page. */
  listRestores(query: RestoreListQuery = {}, options: CallOptions = {}): Promise<Page<RestoreView>> {
    return this.#page('/restores', 'restores', query, options.signal);
  }

  /** Every restore, page after page. */
  iterateRestores(query: RestoreListQuery = {}, options: CallOptions = {}): AsyncGenerator<RestoreView, void, undefined> {
    return this.#iterate('/restores', 'restores', query, options.signal);
  }

  /** `GET /restores/{id}`. */
  async getRestore(restoreId: string, options: CallOptions = {}): Promise<RestoreView> {
    return (await this.#json<{ restore: RestoreView }>('GET', `/restores/${seg(restoreId)}`, options)).restore;
  }

  /** `POST /restores/{id}/action` with `cancel`. */
  async cancelRestore(restoreId: string, options: CallOptions = {}): Promise<RestoreView> {
    return (await this.#json<{ restore: RestoreView }>('POST', `/restores/${seg(restoreId)}/action`, { body: { cancel: {} }, signal: options.signal })).restore;
  }

  // ---- verifications ---------------------------------------------------------------------

  /** `POST /verifications`: verifies a checkpoint (at a `level`, in a `bank`); answers the `verifying` record. */
  createVerification(verification: VerificationRequest, options?: CallOptions): Promise<VerificationView>;
  /** The list form (the seed's): one verification per item, in order. */
  createVerification(verifications: readonly VerificationRequest[], options?: CallOptions): Promise<VerificationView[]>;
  async createVerification(verification: VerificationRequest | readonly VerificationRequest[], options: CallOptions = {}): Promise<VerificationView | VerificationView[]> {
    const body: VerificationCreateBody = { verification: isList(verification) ? [...verification] : verification };
    const answer = await this.#json<{ verification?: VerificationView; verifications?: VerificationView[] }>('POST', '/verifications', { body, signal: options.signal });
    const records = answer.verifications ?? (answer.verification ? [answer.verification] : []);
    return isList(verification) ? records : records[0]!;
  }

  /** `GET /verifications`: one page. */
  listVerifications(query: VerificationListQuery = {}, options: CallOptions = {}): Promise<Page<VerificationView>> {
    return this.#page('/verifications', 'verifications', query, options.signal);
  }

  /** Every verification, page after page. */
  iterateVerifications(query: VerificationListQuery = {}, options: CallOptions = {}): AsyncGenerator<VerificationView, void, undefined> {
    return this.#iterate('/verifications', 'verifications', query, options.signal);
  }

  /** `GET /verifications/{id}`. */
  async getVerification(verificationId: string, options: CallOptions = {}): Promise<VerificationView> {
    return (await this.#json<{ verification: VerificationView }>('GET', `/verifications/${seg(verificationId)}`, options)).verification;
  }

  /** `POST /verifications/{id}/action` with `cancel`. */
  async cancelVerification(verificationId: string, options: CallOptions = {}): Promise<VerificationView> {
    const path = `/verifications/${seg(verificationId)}/action`;
    return (await this.#json<{ verification: VerificationView }>('POST', path, { body: { cancel: {} }, signal: options.signal })).verification;
  }

  // ---- copies ----------------------------------------------------------------------------

  /** `GET /copies`: one page. */
  listCopies(query: CopyListQuery = {}, options: CallOptions = {}): Promise<Page<CopyView>> {
    return this.#page('/copies', 'copies', query, options.signal);
  }

  /** Every copy, page after page. */
  iterateCopies(query: CopyListQuery = {}, options: CallOptions = {}): AsyncGenerator<CopyView, void, undefined> {
    return this.#iterate('/copies', 'copies', query, options.signal);
  }

  /** `GET /copies/{id}`: a copy with its source → copy checkpoint pairs. */
  async getCopy(copyId: string, options: CallOptions = {}): Promise<CopyView> {
    return (await this.#json<{ copy: CopyView }>('GET', `/copies/${seg(copyId)}`, options)).copy;
  }

  /** `POST /copies/{id}/action` with `cancel`. */
  async cancelCopy(copyId: string, options: CallOptions = {}): Promise<CopyView> {
    return (await this.#json<{ copy: CopyView }>('POST', `/copies/${seg(copyId)}/action`, { body: { cancel: {} }, signal: options.signal })).copy;
  }

  // ---- operation logs --------------------------------------------------------------------

  /** `GET /operation_logs`: one page. */
  listOperationLogs(query: OperationLogListQuery = {}, options: CallOptions = {}): Promise<Page<OperationLogView>> {
    return this.#page('/operation_logs', 'operation_logs', query, options.signal);
  }

  /** Every operation log, page after page. */
  iterateOperationLogs(query: OperationLogListQuery = {}, options: CallOptions = {}): AsyncGenerator<OperationLogView, void, undefined> {
    return this.#iterate('/operation_logs', 'operation_logs', query, options.signal);
  }

  /** `GET /operation_logs/{id}`. */
  async getOperationLog(operationLogId: string, options: CallOptions = {}): Promise<OperationLogView> {
    return (await this.#json<{ operation_log: OperationLogView }>('GET', `/operation_logs/${seg(operationLogId)}`, options)).operation_log;
  }

  // ---- protectables ----------------------------------------------------------------------

  /** `GET /protectables`: the protectable resource types. */
  async listProtectableTypes(options: CallOptions = {}): Promise<string[]> {
    return (await this.#json<{ protectable_type: string[] }>('GET', '/protectables', options)).protectable_type;
  }

  /** `GET /protectables/{type}`: a type and the types that can depend on it. */
  async getProtectableType(type: string, options: CallOptions = {}): Promise<ProtectableTypeView> {
    return (await this.#json<{ protectable_type: ProtectableTypeView }>('GET', `/protectables/${seg(type)}`, options)).protectable_type;
  }

  /** `GET /protectables/{type}/instances`: one page of instances, by id. */
  listProtectableInstances(type: string, query: ProtectableInstanceQuery = {}, options: CallOptions = {}): Promise<Page<ProtectableInstanceView>> {
    return this.#page(`/protectables/${seg(type)}/instances`, 'instances', query, options.signal);
  }

  /** Every instance of a type, page after page. */
  iterateProtectableInstances(type: string, query: ProtectableInstanceQuery = {}, options: CallOptions = {}): AsyncGenerator<ProtectableInstanceView, void, undefined> {
    return this.#iterate(`/protectables/${seg(type)}/instances`, 'instances', query, options.signal);
  }

  /** `GET /protectables/{type}/instances/{id}`: one instance with its dependent resources. */
  async getProtectableInstance(type: string, instanceId: string, options: CallOptions & { readonly parameters?: Readonly<Record<string, unknown>> } = {}): Promise<ProtectableInstanceView> {
    const path = `/protectables/${seg(type)}/instances/${seg(instanceId)}`;
    return (await this.#json<{ instance: ProtectableInstanceView }>('GET', path, { query: { parameters: options.parameters }, signal: options.signal })).instance;
  }

  // ---- quotas ----------------------------------------------------------------------------

  /** `GET /quotas/{project}`: a project's effective quotas (`-1` is unlimited). */
  async getQuota(projectId: string, options: CallOptions = {}): Promise<QuotaView> {
    return (await this.#json<{ quota: QuotaView }>('GET', `/quotas/${seg(projectId)}`, options)).quota;
  }

  /** `GET /quotas/{project}/detail`: limits with what is in use and reserved. */
  async getQuotaDetail(projectId: string, options: CallOptions = {}): Promise<QuotaDetailView> {
    return (await this.#json<{ quota: QuotaDetailView }>('GET', `/quotas/${seg(projectId)}/detail`, options)).quota;
  }

  /** `GET /quotas/{project}/defaults`: the default quotas. */
  async getQuotaDefaults(projectId: string, options: CallOptions = {}): Promise<QuotaView> {
    return (await this.#json<{ quota: QuotaView }>('GET', `/quotas/${seg(projectId)}/defaults`, options)).quota;
  }

  /** `PUT /quotas/{project}` (admin): sets a project's quotas. */
  async updateQuota(projectId: string, limits: QuotaLimits, options: CallOptions = {}): Promise<QuotaLimitsView> {
    return (await this.#json<{ quota: QuotaLimitsView }>('PUT', `/quotas/${seg(projectId)}`, { body: { quota: limits }, signal: options.signal })).quota;
  }

  /** `DELETE /quotas/{project}` (admin): back to the defaults. */
  async deleteQuota(projectId: string, options: CallOptions = {}): Promise<void> {
    await this.#call('DELETE', `/quotas/${seg(projectId)}`, options);
  }

  /** `GET /quota_classes/{name}`. */
  async getQuotaClass(name: string, options: CallOptions = {}): Promise<QuotaView> {
    return (await this.#json<{ quota_class: QuotaView }>('GET', `/quota_classes/${seg(name)}`, options)).quota_class;
  }

  /** `PUT /quota_classes/{name}` (admin). */
  async updateQuotaClass(name: string, limits: QuotaLimits, options: CallOptions = {}): Promise<QuotaLimitsView> {
    return (await this.#json<{ quota_class: QuotaLimitsView }>('PUT', `/quota_classes/${seg(name)}`, { body: { quota_class: limits }, signal: options.signal })).quota_class;
  }

  // ---- services --------------------------------------------------------------------------

  /** `GET /os-services` (admin): the protection-service nodes. */
  async listServices(query: ServiceListQuery = {}, options: CallOptions = {}): Promise<ServiceView[]> {
    return (await this.#json<{ services: ServiceView[] }>('GET', '/os-services', { query, signal: options.signal })).services;
  }

  /** `PUT /os-services/{id}` (admin): enables or disables a node. */
  async updateService(serviceId: number, change: ServiceUpdateRequest, options: CallOptions = {}): Promise<ServiceView> {
    return (await this.#json<{ service: ServiceView }>('PUT', `/os-services/${seg(String(serviceId))}`, { body: change, signal: options.signal })).service;
  }

  // ---- waiting ---------------------------------------------------------------------------

  /**
   * Polls a checkpoint, verification, restore or copy until it reaches a terminal status
   * (checkpoint: `available`, `error`, `deleted`, `error-deleting`; verification: `success`,
   * `error`; restore: `success`, `fail`; copy: `finished`, `error`) and returns it — a failed
   * record is returned, not thrown (see `isFailed`). `onProgress` gets the record's progress
   * whenever it changed; `timeoutMs` ends the wait with `KTS_ERR_TIMEOUT`, `signal` with
   * `KTS_ERR_CANCELLED` (the operation keeps running on the server). A checkpoint being deleted
   * resolves as `deleted` once it is gone (pass the delete's answer as `deleting`).
   */
  waitFor<K extends WaitKind>(kind: K, id: string, options: WaitForOptions<K>): Promise<WaitRecords[K]> {
    let deleting = kind === 'checkpoint' ? (options as WaitForOptions<'checkpoint'>).deleting : undefined;
    const get = (signal: AbortSignal): Promise<WaitRecords[K]> => {
      switch (kind) {
        case 'checkpoint': {
          const { providerId, bank } = options as WaitForOptions<'checkpoint'>;
          if (typeof providerId !== 'string') throw new ValidationError('Waiting for a checkpoint needs its providerId', { code: 'KTS_ERR_INVALID_OPTION' });
          return this.getCheckpoint(providerId, id, { signal, ...(bank !== undefined ? { bank } : {}) }).then(
            (record) => {
              if (record.status === 'deleting') deleting = record;
              return record as WaitRecords[K];
            },
            (error: unknown) => {
              // Deleted checkpoints are not found: one seen (or known) to be deleting is now deleted.
              if (deleting === undefined || !isFrameworkError(error, 'KTS_ERR_CHECKPOINT_NOT_FOUND')) throw error;
              return { ...deleting, status: 'deleted', progress: null } as WaitRecords[K];
            },
          );
        }
        case 'verification':
          return this.getVerification(id, { signal }) as Promise<WaitRecords[K]>;
        case 'restore':
          return this.getRestore(id, { signal }) as Promise<WaitRecords[K]>;
        case 'copy':
          return this.getCopy(id, { signal }) as Promise<WaitRecords[K]>;
        default:
          throw new ValidationError(`Cannot wait for a ${String(kind)}: expected checkpoint, verification, restore or copy`, { code: 'KTS_ERR_INVALID_OPTION' });
      }
    };
    return pollUntil<WaitRecords[K]>(`${kind} ${id}`, get, (record) => isTerminal(kind, record), options);
  }

  // ---- plumbing --------------------------------------------------------------------------

  async #resolveBase(signal?: AbortSignal): Promise<string> {
    const options = this.#options;
    const source = await this.#tokenSource();
    let url = options.url?.replace(/\/+$/, '');
    if (url === undefined) {
      if (!source?.endpointUrl) throw new ValidationError('No Karbor URL: give url, or Keystone credentials whose catalog lists the API', { code: 'KTS_ERR_INVALID_OPTION' });
      url = (await source.endpointUrl({ type: options.serviceType ?? 'data-protect' }, signal)).replace(/\/+$/, '');
    }
    if (/\/v1\/[^/]+$/.test(url)) return url;
    const project = options.projectId ?? (source ? (await source.token(signal)).projectId : undefined);
    if (project === undefined) {
      throw new ValidationError(`The Karbor URL ${url} names no project: give the /v1/<project> base, or a project id`, { code: 'KTS_ERR_INVALID_OPTION' });
    }
    return `${url.replace(/\/v1$/, '')}/v1/${seg(project)}`;
  }

  #tokenSource(): Promise<TokenSource | undefined> {
    const options = this.#options;
    this.#source ??= options.auth
      ? Promise.resolve(options.auth)
      : options.keystone
        ? keystoneTokenSource(options.keystone).catch((error: unknown) => {
            this.#source = undefined;
            throw error;
          })
        : Promise.resolve(undefined);
    return this.#source;
  }

  async #json<T>(method: string, path: string, spec: CallSpec = {}): Promise<T> {
    const answer = await this.#call(method, path, spec);
    return (answer ?? {}) as T;
  }

  async #call(method: string, path: string, spec: CallSpec = {}): Promise<unknown> {
    const base = await this.baseUrl(spec.signal);
    const url = `${base}${path}${queryString(spec.query)}`;
    const source = await this.#tokenSource();
    let renewed = false;
    for (;;) {
      if (spec.signal?.aborted) throw transportError(new Error('aborted'), { method, url }, { signal: spec.signal, timedOut: false, timeoutMs: this.#timeoutMs });
      const token = this.#options.token ?? (await source!.token(spec.signal)).id;
      const { status, text, requestId } = await this.#send(method, url, token, spec);
      if (status === 401 && !renewed && source?.renew) {
        renewed = true;
        await source.renew(token, spec.signal);
        continue;
      }
      const place: RequestPlace = { method, url };
      if (status < 200 || status > 299) throw faultError(status, text, requestId, place);
      if (text.trim() === '') return undefined;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw invalidAnswer(status, text, requestId, place);
      }
    }
  }

  /** One HTTP exchange, body included, under the per-request timeout. */
  async #send(method: string, url: string, token: string, spec: CallSpec): Promise<{ status: number; text: string; requestId: string | undefined }> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const onAbort = (): void => controller.abort(spec.signal?.reason);
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const headers: Record<string, string> = { Accept: 'application/json', ...this.#options.headers, 'X-Auth-Token': token };
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const response = await this.#fetch(url, {
        method,
        headers,
        signal: controller.signal,
        ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, text, requestId: response.headers.get('x-openstack-request-id') ?? undefined };
    } catch (error) {
      throw transportError(error, { method, url }, { signal: spec.signal, timedOut, timeoutMs: this.#timeoutMs });
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
    }
  }

  async #page<T>(path: string, key: string, query: Query, signal: AbortSignal | undefined): Promise<Page<T>> {
    const body = await this.#json<Record<string, unknown>>('GET', path, { query, signal });
    const items = Array.isArray(body[key]) ? (body[key] as T[]) : [];
    const links = body[`${key}_links`] as LinkView[] | undefined;
    const next = links?.find((link) => link.rel === 'next')?.href;
    if (next === undefined) return { items };
    const nextMarker = new URL(next).searchParams.get('marker');
    return { items, next, ...(nextMarker ? { nextMarker } : {}) };
  }

  /**
   * Pages through a collection. The next page is asked for with the query of the server's next
   * link (its marker and every other parameter) on this client's own base URL, so a proxy in
   * front of the API that the server does not know about is kept.
   */
  async *#iterate<T>(path: string, key: string, query: Query, signal: AbortSignal | undefined): AsyncGenerator<T, void, undefined> {
    let current: Query = query;
    const seen = new Set<string>();
    for (;;) {
      const page = await this.#page<T>(path, key, current, signal);
      yield* page.items;
      if (page.next === undefined) return;
      const params = new URL(page.next).searchParams;
      const marker = params.get('marker') ?? '';
      // A server that hands back the same marker twice would make this loop forever.
      if (seen.has(marker)) return;
      seen.add(marker);
      current = params;
    }
  }
}

function isList<T>(value: T | readonly T[]): value is readonly T[] {
  return Array.isArray(value);
}

/** `?a=1&b=2` from a query object (`undefined` left out, booleans as 1/0, objects as JSON), or ''. */
function queryString(query: Query | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  if (query instanceof URLSearchParams) {
    for (const [name, value] of query) params.append(name, value);
  } else {
    for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
      if (value === undefined) continue;
      params.append(name, typeof value === 'boolean' ? (value ? '1' : '0') : typeof value === 'object' ? JSON.stringify(value) : String(value));
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
