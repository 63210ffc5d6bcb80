import { describe, expect, it } from 'vitest';
import {
  CheckpointStatus,
  CopyStatus,
  ResourceStatus,
  STATUS_MACHINES,
  VerificationStatus,
  assertTransition,
  canTransition,
  isTerminal,
  type StatusMachine,
} from '../../../src/index.js';

describe('status machines', () => {
  it('use the seeds\' and Karbor\'s values', () => {
    expect(Object.values(CheckpointStatus).sort()).toEqual(
      ['available', 'copying', 'deleted', 'deleting', 'error', 'error-deleting', 'protecting', 'wait_copying'].sort(),
    );
    expect(Object.values(CopyStatus).sort()).toEqual(['copying', 'error', 'finished', 'wait_copying']);
    expect(Object.values(VerificationStatus).sort()).toEqual(['error', 'success', 'verifying']);
    expect(Object.values(ResourceStatus)).toContain('skipped');
  });

  it('allow the lifecycles of the seeds', () => {
    assertTransition('checkpoint', 'protecting', 'available');
    assertTransition('checkpoint', 'wait_copying', 'copying');
    assertTransition('checkpoint', 'copying', 'available');
    assertTransition('checkpoint', 'available', 'deleting');
    assertTransition('checkpoint', 'deleting', 'deleted');
    assertTransition('copy', 'wait_copying', 'copying');
    assertTransition('copy', 'copying', 'finished');
    assertTransition('verification', 'verifying', 'success');
    assertTransition('verification', 'verifying', 'error');
    assertTransition('resource', 'verifying', 'skipped');
    assertTransition('operationLog', 'in_progress', 'error');
    assertTransition('restore', 'in_progress', 'fail');
  });

  it('refuse illegal transitions with a coded error', () => {
    const illegal: [StatusMachine, string, string][] = [
      ['checkpoint', 'deleted', 'available'],
      ['checkpoint', 'protecting', 'deleting'],
      ['checkpoint', 'wait_copying', 'available'],
      ['copy', 'finished', 'copying'],
      ['copy', 'error', 'finished'],
      ['verification', 'success', 'verifying'],
      ['verification', 'error', 'success'],
      ['resource', 'available', 'error'],
      ['resource', 'skipped', 'verifying'],
      ['restore', 'success', 'fail'],
      ['operationLog', 'success', 'error'],
    ];
    for (const [machine, from, to] of illegal) {
      expect(canTransition(machine, from as never, to as never)).toBe(false);
      expect(() => assertTransition(machine, from as never, to as never)).toThrow(
        expect.objectContaining({ code: 'KTS_ERR_STATE_TRANSITION', details: { machine, from, to } }),
      );
    }
  });

  it('every transition table is closed over its own statuses', () => {
    for (const [machine, table] of Object.entries(STATUS_MACHINES)) {
      const statuses = new Set(Object.keys(table));
      for (const targets of Object.values(table) as string[][]) {
        for (const to of targets) expect(statuses.has(to), `${machine}: ${to}`).toBe(true);
      }
    }
    expect(isTerminal('checkpoint', 'deleted')).toBe(true);
    expect(isTerminal('checkpoint', 'error')).toBe(false);
    expect(isTerminal('copy', 'finished')).toBe(true);
  });
});
