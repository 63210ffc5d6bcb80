/**
 * The composition root: the one module that imports tsyringe (and `reflect-metadata`, which
 * tsyringe requires at import). Library code has no decorators; everything is registered here
 * as a factory on a child container, so it behaves the same under tsc, esbuild and vitest.
 * `container.dispose()` does not reach factory-made instances, so the framework keeps its own
 * list of what it created and closes it in `close()`.
 *
 * @module
 */
import 'reflect-metadata';
import { container as globalContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { InternalError, messageOf } from './core/errors.js';
import { silentLogger, type Logger } from './core/logger.js';
import type { ProtectablePlugin, ProtectionPlugin } from './core/plugin.js';
import { PluginRegistry } from './core/registry.js';
import { SchemaValidator } from './core/schema.js';
import { createToken, type Token } from './core/token.js';
import type { Flow } from './flow/flow.js';
import { runFlow, type FlowReport, type FlowRunOptions } from './flow/runner.js';

/** Defaults applied to every flow the framework runs. */
export type FlowDefaults = Pick<FlowRunOptions, 'concurrency' | 'taskTimeoutMs' | 'revertTimeoutMs' | 'graceMs' | 'timers'>;

/** Something the framework closes when it closes. */
export interface Closeable {
  /** Releases connections, timers, handles. */
  close(): void | Promise<void>;
}

/** The services the framework registers. */
export const Tokens = {
  /** The framework's logger. */
  Logger: createToken<Logger>('Logger'),
  /** The one schema validator (one ajv instance). */
  SchemaValidator: createToken<SchemaValidator>('SchemaValidator'),
  /** The plugin registry. */
  PluginRegistry: createToken<PluginRegistry>('PluginRegistry'),
  /** Flow defaults. */
  FlowDefaults: createToken<FlowDefaults>('FlowDefaults'),
} as const;

/** Options of {@link createFramework}. */
export interface FrameworkOptions {
  /** Where the framework logs. @default a silent logger */
  readonly logger?: Logger;
  /** Protection plugins to register (checked at registration). */
  readonly plugins?: readonly ProtectionPlugin[];
  /** Protectable plugins to register. */
  readonly protectables?: readonly ProtectablePlugin[];
  /** Defaults for every flow run. */
  readonly flow?: FlowDefaults;
}

/** A configured framework instance. */
export interface Framework {
  /** The framework's own child container (never the global one). */
  readonly container: DependencyContainer;
  /** The plugin registry. */
  readonly registry: PluginRegistry;
  /** The logger. */
  readonly logger: Logger;
  /** Resolves a registered service. */
  resolve<T>(token: Token<T>): T;
  /** Registers a service as a factory, created once on first resolve; closed with the framework if closeable. */
  register<T>(token: Token<T>, factory: (framework: Framework) => T): void;
  /** Hands `resource` to the framework to close in `close()`; returns it. */
  own<T extends Closeable>(resource: T): T;
  /** Runs a flow with the framework's flow defaults (options given here win). */
  runFlow(flow: Flow, options?: FlowRunOptions): Promise<FlowReport>;
  /** Closes everything the framework created, newest first. Idempotent. */
  close(): Promise<void>;
}

/** Creates a framework: a child container with the core services and the given plugins. */
export function createFramework(options: FrameworkOptions = {}): Framework {
  const container = globalContainer.createChildContainer();
  const owned: Closeable[] = [];
  let closed: Promise<void> | undefined;

  const framework: Framework = {
    container,
    get registry() {
      return framework.resolve(Tokens.PluginRegistry);
    },
    get logger() {
      return framework.resolve(Tokens.Logger);
    },
    resolve: <T>(token: Token<T>): T => container.resolve<T>(token.key),
    register<T>(token: Token<T>, factory: (framework: Framework) => T): void {
      container.register<T>(token.key, {
        useFactory: instanceCachingFactory<T>(() => {
          const instance = factory(framework);
          if (isCloseable(instance)) owned.push(instance);
          return instance;
        }),
      });
    },
    own<T extends Closeable>(resource: T): T {
      owned.push(resource);
      return resource;
    },
    runFlow: (flow, runOptions = {}) => runFlow(flow, { ...framework.resolve(Tokens.FlowDefaults), ...runOptions }),
    close(): Promise<void> {
      closed ??= closeAll(owned, container);
      return closed;
    },
  };

  framework.register(Tokens.Logger, () => options.logger ?? silentLogger);
  framework.register(Tokens.SchemaValidator, () => new SchemaValidator());
  framework.register(Tokens.FlowDefaults, () => ({ ...options.flow }));
  framework.register(Tokens.PluginRegistry, (fw) => {
    const registry = new PluginRegistry({ validator: fw.resolve(Tokens.SchemaValidator) });
    for (const plugin of options.plugins ?? []) registry.register(plugin);
    for (const protectable of options.protectables ?? []) registry.registerProtectable(protectable);
    return registry;
  });
  framework.resolve(Tokens.PluginRegistry);
  return framework;
}

async function closeAll(owned: Closeable[], container: DependencyContainer): Promise<void> {
  const failures: unknown[] = [];
  for (const resource of owned.splice(0).reverse()) {
    try {
      await resource.close();
    } catch (error) {
      failures.push(error);
    }
  }
  await container.dispose();
  if (failures.length > 0) {
    throw new InternalError(`Closing the framework failed: ${failures.map(messageOf).join('; ')}`, { cause: failures[0], details: { failures: failures.length } });
  }
}

function isCloseable(value: unknown): value is Closeable {
  return typeof value === 'object' && value !== null && typeof (value as Closeable).close === 'function';
}
