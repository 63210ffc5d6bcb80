/**
 * The providers of a protection service, by id.
 *
 * @module
 */
import { NotFoundError, ValidationError } from '../core/errors.js';
import type { SchemaValidator } from '../core/schema.js';
import { Provider, type ProviderConfig } from './provider.js';

/** The configured providers. */
export class ProviderRegistry {
  readonly #providers = new Map<string, Provider>();

  /** Builds every provider; throws `KTS_ERR_PROVIDER_INVALID` on a duplicate id or a bad configuration. */
  constructor(configs: readonly ProviderConfig[], validator?: SchemaValidator) {
    for (const config of configs) {
      const provider = new Provider(config, validator);
      if (this.#providers.has(provider.id)) {
        throw new ValidationError(`Two providers share the id ${provider.id}`, { code: 'KTS_ERR_PROVIDER_INVALID', details: { provider: provider.id } });
      }
      this.#providers.set(provider.id, provider);
    }
  }

  /** Every provider, in configuration order. */
  list(): Provider[] {
    return [...this.#providers.values()];
  }

  /** The provider `id`; `KTS_ERR_PROVIDER_NOT_FOUND` otherwise. */
  get(id: string): Provider {
    const provider = this.#providers.get(id);
    if (!provider) throw new NotFoundError(`Provider ${id} not found`, { code: 'KTS_ERR_PROVIDER_NOT_FOUND', details: { provider: id } });
    return provider;
  }
}
