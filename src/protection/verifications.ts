/**
 * Verifications (seed 001): is the backup data of a checkpoint still intact, resource by
 * resource? Everything is checked before a record exists — the provider, the checkpoint (the
 * caller's, `available`), the parameters against each plugin's verify schema — and failures
 * are coded errors, not records. The flow: Initiate opens the operation log; each resource's
 * verify hooks run along the graph, filling its status and reason; Complete sets `success`;
 * the Initiate revert sets `error` with the reason. A resource whose plugin cannot verify is
 * `skipped` with a reason. Every resource is verified even when one fails.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { VERIFICATION_LEVELS, type VerificationLevel, type VerifyContext } from '../core/operation.js';
import { supportsVerification, type ProtectionPlugin } from '../core/plugin.js';
import { resourceKey } from '../core/resource.js';
import type { VerificationRecord } from '../store/records.js';
import type { ListedEntry, ListEntriesOptions, ListResult, RecordEntry } from '../store/store.js';
import type { CheckpointService } from './checkpoints.js';
import { graphOf } from './checkpoints.js';
import type { RequestContext } from './context.js';
import { now, type ServiceEnvironment } from './environment.js';
import { type ScopedQuery, cancelRun, checkParameters, getScoped, getScopedEntry, initialStatuses, launchRecordRun, listScoped, listScopedEntries, noProgressYet } from './run-records.js';
import { VERIFICATION_CREATE_SCHEMA } from './schemas.js';

/** Input of {@link VerificationService.create}. */
export interface VerificationInput {
  /** The provider. */
  readonly providerId: string;
  /** The checkpoint to verify. */
  readonly checkpointId: string;
  /** Verify parameters keyed by type or `Type#id`. */
  readonly parameters?: Readonly<Record<string, Record<string, unknown>>>;
  /** The level wanted; each plugin verifies at the strongest level it offers up to this one. @default 'checksum' */
  readonly level?: VerificationLevel;
  /** The bank to verify in (`main` or a destination); searched in order when omitted. */
  readonly bank?: string;
}

/** The level a plugin verifies at when `requested` is asked for: the strongest it offers up to it, else its weakest. */
export function levelFor(plugin: ProtectionPlugin & { verificationLevels: readonly VerificationLevel[] }, requested: VerificationLevel): VerificationLevel {
  const rank = (level: VerificationLevel): number => VERIFICATION_LEVELS.indexOf(level);
  const offered = [...plugin.verificationLevels].sort((a, b) => rank(a) - rank(b));
  return offered.filter((level) => rank(level) <= rank(requested)).at(-1) ?? offered[0]!;
}

/** Creates, lists, shows and cancels verifications. */
export class VerificationService {
  readonly #env: ServiceEnvironment;
  readonly #checkpoints: CheckpointService;
  readonly #validateInput;

  /** Wires the service. */
  constructor(env: ServiceEnvironment, checkpoints: CheckpointService) {
    this.#env = env;
    this.#checkpoints = checkpoints;
    this.#validateInput = env.validator.compile<VerificationInput>(VERIFICATION_CREATE_SCHEMA);
  }

  /**
   * Validates, writes the `verifying` record and starts the flow; returns the record at once.
   * `KTS_ERR_SERVICE_DISABLED` when this node is disabled.
   */
  async create(context: RequestContext, input: VerificationInput): Promise<VerificationRecord> {
    this.#env.runs.assertOpen();
    await this.#env.assertAccepting();
    const request = this.#validateInput(structuredClone(input), 'verification');
    const provider = this.#env.providers.get(request.providerId);
    const { bank, checkpoint } = await this.#checkpoints.locateAvailable(context, provider, request.checkpointId, request.bank, 'verified');
    const graph = graphOf(checkpoint);
    const verifies = (type: string): boolean => {
      const plugin = provider.registry.findPlugin(type);
      return plugin !== undefined && supportsVerification(plugin);
    };
    const parameters = checkParameters(provider, graph, request.parameters ?? {}, 'verify', (resource) => verifies(resource.type));
    const requested = request.level ?? 'checksum';
    const collection = this.#env.checkpointsOf(provider.bankNamed(bank));
    const id = randomUUID();
    const time = now();
    return launchRecordRun<VerificationRecord, VerifyContext>({
      env: this.#env,
      collection: this.#env.store.verifications,
      record: {
        id,
        projectId: checkpoint.projectId,
        providerId: provider.id,
        checkpointId: checkpoint.id,
        bank,
        status: 'verifying',
        parameters: request.parameters ?? {},
        ...(request.level ? { level: request.level } : {}),
        resourcesStatus: initialStatuses(graph, 'verifying'),
        resourcesReason: {},
        progress: noProgressYet(graph.size),
        ownerId: this.#env.node.ownerId,
        incarnation: this.#env.node.incarnation,
        createdAt: time,
        updatedAt: time,
      },
      claim: { checkpoints: collection, checkpointId: checkpoint.id },
      log: { projectId: checkpoint.projectId, operationType: 'verify', providerId: provider.id, bank, checkpointId: checkpoint.id, planId: checkpoint.plan.id, verificationId: id },
      statuses: { done: 'success', failed: 'error' },
      operation: {
        operation: 'verify',
        checkpoint,
        graph,
        isolateFailures: true,
        resolve: (resource) => {
          const plugin = provider.registry.findPlugin(resource.type);
          if (!plugin) return { skip: `no plugin of provider ${provider.name} handles ${resource.type}` };
          if (!supportsVerification(plugin)) return { skip: `plugin ${plugin.name} has no verify operation` };
          return plugin.getVerifyOperation(resource);
        },
        sectionOf: (resource) => collection.resourceSection(checkpoint.id, resource, { readOnly: true }),
        parametersOf: (resource) => parameters.get(resourceKey(resource)) ?? {},
        extend: (base) => {
          const plugin = provider.registry.pluginFor(base.resource.type);
          return { ...base, level: supportsVerification(plugin) ? levelFor(plugin, requested) : requested };
        },
      },
    });
  }

  /** Lists the caller's verifications (filters: status, providerId, checkpointId). */
  list(context: RequestContext, query: ScopedQuery = {}): Promise<ListResult<VerificationRecord>> {
    return listScoped(this.#env.store.verifications, context, query);
  }

  /** One verification; `KTS_ERR_VERIFICATION_NOT_FOUND` when absent or another project's. */
  get(context: RequestContext, id: string): Promise<VerificationRecord> {
    return getScoped(this.#env.store.verifications, context, id, 'KTS_ERR_VERIFICATION_NOT_FOUND', 'Verification');
  }

  /**
   * The caller's verifications as `list` gives them, but as shared, read-only store entries (no
   * copies), for callers that only render them; entries whose revision `options.known` answers
   * true for may come without their record.
   */
  listEntries(context: RequestContext, query: ScopedQuery = {}, options: ListEntriesOptions = {}): Promise<ListResult<ListedEntry<VerificationRecord>>> {
    return listScopedEntries(this.#env.store.verifications, context, query, options);
  }

  /** One verification as `get` gives it, but as a shared, read-only store entry (no copy). */
  getEntry(context: RequestContext, id: string): Promise<RecordEntry<VerificationRecord>> {
    return getScopedEntry(this.#env.store.verifications, context, id, 'KTS_ERR_VERIFICATION_NOT_FOUND', 'Verification');
  }

  /** Cancels a running verification: its revert runs and it ends `error` with reason "cancelled". */
  async cancel(context: RequestContext, id: string): Promise<VerificationRecord> {
    const record = await this.get(context, id);
    await cancelRun(this.#env.runs, id, record.status === 'verifying', 'Verification');
    return this.get(context, id);
  }
}
