/** `chainAuthenticators`: the first identity wins, and a back-end that cannot check a token stops the chain. */
import { describe, expect, it } from 'vitest';
import { chainAuthenticators, createKeystoneAuthenticator, createTokenTable } from '../../src/http/index.js';

const alice = { token: 'alice-token-0123456789', userId: 'alice', projectId: 'p1', roles: ['member'] };
const bob = { token: 'bob-token-0123456789ab', userId: 'bob', projectId: 'p2', roles: ['admin'] };

/** A Keystone nobody listens for (port 1 of the loopback: the connection is refused). */
const down = createKeystoneAuthenticator({ authUrl: 'http://127.0.0.1:1/v3', username: 'karbor', password: 'secret', projectName: 'service' });

describe('chainAuthenticators', () => {
  it('answers the first identity found, in order', async () => {
    const first = createTokenTable([alice]);
    const second = createTokenTable([bob, { ...alice, userId: 'alice-elsewhere' }]);
    const chain = chainAuthenticators(first, second);
    expect(await chain.authenticate(alice.token)).toMatchObject({ userId: 'alice', projectId: 'p1' });
    expect(await chain.authenticate(bob.token)).toMatchObject({ userId: 'bob', roles: ['admin'] });
    expect(await chain.authenticate('nobody-knows-this-token')).toBeUndefined();
  });

  it('never asks further once a token is known, and fails rather than refuse when a back-end is down', async () => {
    const chain = chainAuthenticators(createTokenTable([alice]), down);
    expect(await chain.authenticate(alice.token)).toMatchObject({ userId: 'alice' });
    await expect(chain.authenticate(bob.token)).rejects.toMatchObject({ code: 'KTS_ERR_AUTH_BACKEND' });
  });
});
