/**
 * The client's request and response types. None is written by hand: request bodies are
 * `FromSchema` of the very schemas the server validates with (`src/http/schemas.ts`), responses
 * `FromSchema` of the schemas the server's views are typed from (`src/http/response-schemas.ts`).
 * Only the list queries are declared here, from the filter names the routes document (a test
 * keeps the two in step).
 *
 * @module
 */
import type { FromSchema } from 'json-schema-to-ts';
import type {
  CHECKPOINT_COPY,
  CHECKPOINT_CREATE,
  CHECKPOINT_RESET_STATE,
  COPY_ITEM,
  PARAMETERS,
  PLAN_CREATE,
  PLAN_RESOURCE,
  PLAN_UPDATE,
  QUOTA_SET,
  RESTORE_CREATE,
  SERVICE_UPDATE,
  VERIFICATION_CREATE,
  VERIFICATION_ITEM,
} from '../http/schemas.js';

/** The views the API answers, typed from its response schemas. */
export type {
  CheckpointView,
  CopyView,
  LinkView,
  OperationLogView,
  PlanView,
  ProgressView,
  ProtectableInstanceView,
  ProtectableTypeView,
  ProviderView,
  QuotaDetailView,
  QuotaLimitsView,
  QuotaView,
  ResourceView,
  RestoreView,
  ServiceView,
  VerificationView,
} from '../http/response-schemas.js';

/** Plugin parameters keyed by resource type or `Type#id` (an object, or `null` for none, each). */
export type PluginParameters = FromSchema<typeof PARAMETERS>;
/** A resource of a plan: `{id, type, name, extra_info}`. */
export type PlanResource = FromSchema<typeof PLAN_RESOURCE>;
/** The body of `POST /plans`, unwrapped. */
export type PlanCreateRequest = FromSchema<typeof PLAN_CREATE>['plan'];
/** The body of `PUT /plans/{id}`, unwrapped: at least one field. */
export type PlanUpdateRequest = FromSchema<typeof PLAN_UPDATE>['plan'];
/** The body of `POST /providers/{id}/checkpoints`, unwrapped. */
export type CheckpointCreateRequest = FromSchema<typeof CHECKPOINT_CREATE>['checkpoint'];
/** The states reset-state accepts. */
export type CheckpointResetState = FromSchema<typeof CHECKPOINT_RESET_STATE>['os-resetState']['state'];
/** One item of the copy action: a plan whose checkpoints are copied to a destination. */
export type CopyRequest = FromSchema<typeof COPY_ITEM>;
/** The whole copy-action body, in either form. */
export type CheckpointCopyBody = FromSchema<typeof CHECKPOINT_COPY>;
/** The body of `POST /restores`, unwrapped. */
export type RestoreCreateRequest = FromSchema<typeof RESTORE_CREATE>['restore'];
/** One item of a verification request. */
export type VerificationRequest = FromSchema<typeof VERIFICATION_ITEM>;
/** The whole verification body, in either form. */
export type VerificationCreateBody = FromSchema<typeof VERIFICATION_CREATE>;
/** Quota limits to set (`-1` is unlimited); at least one. */
export type QuotaLimits = FromSchema<typeof QUOTA_SET>;
/** The body of `PUT /os-services/{id}`. */
export type ServiceUpdateRequest = FromSchema<typeof SERVICE_UPDATE>;

/** One page of a list, and where the next one is. */
export interface Page<T> {
  /** The rows of this page. */
  readonly items: T[];
  /** The next page's URL (the `<collection>_links` `next` href), when this page was full. */
  readonly next?: string;
  /** The marker of the next page (the `marker` of {@link Page.next}). */
  readonly nextMarker?: string;
}

/** Paging and scope parameters every list takes (wire names, as the API reads them). */
export interface ListQuery {
  /** The id of the last row of the previous page. */
  readonly marker?: string;
  /** The page size (capped by the service). */
  readonly limit?: number;
  /** `key[:asc|desc]`. */
  readonly sort?: string;
  /** Admins: list every project (with `project_id`, that project only). */
  readonly all_tenants?: boolean;
  /** Admins with `all_tenants`: only this project. */
  readonly project_id?: string;
}

/** The filters each list accepts, by collection (wire names). */
export const LIST_FILTERS = {
  providers: ['name', 'description'],
  plans: ['name', 'status', 'provider_id', 'description'],
  checkpoints: ['plan_id', 'start_date', 'end_date', 'bank'],
  restores: ['status', 'provider_id', 'checkpoint_id'],
  verifications: ['status', 'provider_id', 'checkpoint_id'],
  copies: ['status', 'provider_id', 'plan_id', 'destination'],
  operation_logs: ['status', 'operation_type', 'provider_id', 'checkpoint_id', 'plan_id', 'restore_id', 'verification_id', 'copy_id'],
} as const;

/** The list query of a collection: paging plus its filters. */
export type ListQueryOf<C extends keyof typeof LIST_FILTERS> = ListQuery & { readonly [F in (typeof LIST_FILTERS)[C][number]]?: string };

/** The query of `GET /providers`. */
export type ProviderListQuery = ListQueryOf<'providers'>;
/** The query of `GET /plans`. */
export type PlanListQuery = ListQueryOf<'plans'>;
/** The query of `GET /providers/{id}/checkpoints` (`bank`: `main` or a copy destination). */
export type CheckpointListQuery = ListQueryOf<'checkpoints'>;
/** The query of `GET /restores`. */
export type RestoreListQuery = ListQueryOf<'restores'>;
/** The query of `GET /verifications`. */
export type VerificationListQuery = ListQueryOf<'verifications'>;
/** The query of `GET /copies`. */
export type CopyListQuery = ListQueryOf<'copies'>;
/** The query of `GET /operation_logs`. */
export type OperationLogListQuery = ListQueryOf<'operation_logs'>;

/** The query of `GET /protectables/{type}/instances`. */
export interface ProtectableInstanceQuery {
  /** The id of the last instance of the previous page. */
  readonly marker?: string;
  /** The page size. */
  readonly limit?: number;
  /** Discovery parameters (sent as JSON). */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** The query of `GET /os-services`. */
export interface ServiceListQuery {
  /** Only this host. */
  readonly host?: string;
  /** Only this binary (`karbor-protection`). */
  readonly binary?: string;
}

/** Which bank a checkpoint call reads or writes. */
export interface BankOption {
  /** `main` or a copy destination. @default the main bank (a show also searches the destinations) */
  readonly bank?: string;
}
