/**
 * Who is asking: every read and write of the protection service is scoped to the caller's
 * project; an admin may ask for every project.
 *
 * @module
 */
import { ForbiddenError, ValidationError } from '../core/errors.js';

/** The caller of a protection-service method. */
export interface RequestContext {
  /** The caller's project; records are created in it and reads are limited to it. */
  readonly projectId: string;
  /** Whether the caller is an admin (may list every project with `allProjects`). */
  readonly isAdmin?: boolean;
  /** The caller's user id, for logs. */
  readonly userId?: string;
}

/** The project a listing is limited to: the caller's, or none for an admin asking for all. */
export function listingScope(context: RequestContext, allProjects = false): string | undefined {
  if (allProjects && context.isAdmin) return undefined;
  return context.projectId;
}

/** Throws `KTS_ERR_VALIDATION` unless the context names a project. */
export function assertContext(context: RequestContext): void {
  if (typeof context?.projectId !== 'string' || context.projectId.length === 0) {
    throw new ValidationError('A request context needs a non-empty projectId');
  }
}

/** Whether `projectId` is visible to the caller (its own project; admins see all). */
export function visibleTo(context: RequestContext, projectId: string): boolean {
  return context.projectId === projectId || context.isAdmin === true;
}

/** Throws `KTS_ERR_FORBIDDEN` unless the caller is an admin; `action` says what was refused. */
export function assertAdmin(context: RequestContext, action: string): void {
  if (context?.isAdmin !== true) throw new ForbiddenError(`Only an admin may ${action}`, { details: { action } });
}
