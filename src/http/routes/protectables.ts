/**
 * Protectables: the resource types the providers can discover, their instances and each
 * instance's dependent resources. `parameters` may be JSON or the Python dict repr the `karbor`
 * client sends.
 *
 * @module
 */
import { ValidationError } from '../../core/index.js';
import { parseListQuery } from '../listing.js';
import { parsePythonLiteral } from '../python-literal.js';
import { PROTECTABLE_TYPE_BODY, PROTECTABLE_TYPES_BODY } from '../response-schemas.js';
import { defineRoutes, type ApiCall } from '../route.js';
import { protectableInstanceView, protectableTypeView } from '../views.js';
import { listReply } from './common.js';

const SHAPE = { sortKeys: { id: 'id' }, filters: {}, extra: ['parameters', 'type'] } as const;
const PARAMETERS = { name: 'parameters', description: 'Discovery parameters: a JSON object or the Python dict repr the karbor client sends.' };

function parametersOf(call: ApiCall): { parameters?: Record<string, unknown> } {
  const text = call.query.get('parameters');
  if (text === null || text === '') return {};
  const parameters = parsePythonLiteral(text, 'parameters');
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
    throw new ValidationError('The parameters query value must be a dict');
  }
  return { parameters: parameters as Record<string, unknown> };
}

/** The protectable routes. */
export const PROTECTABLE_ROUTES = defineRoutes([
  {
    method: 'GET',
    path: '/protectables',
    action: 'protectable:get_all',
    tag: 'protectables',
    summary: 'List the protectable resource types (a list of strings under the singular key, as Karbor answers).',
    responseKey: 'protectable_type',
    response: PROTECTABLE_TYPES_BODY,
    async handle(call) {
      return { body: { protectable_type: call.service.protectables.types(call.context) } };
    },
  },
  {
    method: 'GET',
    path: '/protectables/:protectable_type',
    action: 'protectable:get',
    tag: 'protectables',
    summary: 'Show a protectable type and the types that can depend on it.',
    responseKey: 'protectable_type',
    response: PROTECTABLE_TYPE_BODY,
    async handle(call) {
      const type = call.service.protectables.type(call.context, call.params['protectable_type']!);
      return { body: { protectable_type: protectableTypeView(type) } };
    },
  },
  {
    method: 'GET',
    path: '/protectables/:protectable_type/instances',
    action: 'protectable:instance_get_all',
    tag: 'protectables',
    summary: 'List the instances of a protectable type with their dependent resources, by id.',
    query: [
      { name: 'marker', description: 'The id of the last instance of the previous page.' },
      { name: 'limit', description: 'The page size.' },
      PARAMETERS,
    ],
    responseKey: 'instances',
    async handle(call) {
      const type = call.params['protectable_type']!;
      const list = parseListQuery(call.query, SHAPE, call.maxLimit, call.context.isAdmin === true);
      if (list.sortDir === 'desc') throw new ValidationError('Instances are listed by id, ascending');
      const asked = call.query.get('type');
      if (asked && asked !== type) throw new ValidationError(`The type filter ${asked} differs from the path's type ${type}`);
      const page = await call.service.protectables.instances(call.context, type, {
        limit: list.limit,
        ...(list.marker ? { marker: list.marker } : {}),
        ...parametersOf(call),
      });
      return listReply(call, 'instances', page.items, protectableInstanceView, page.nextMarker);
    },
  },
  {
    method: 'GET',
    path: '/protectables/:protectable_type/instances/:instance_id',
    action: 'protectable:instance_get',
    tag: 'protectables',
    summary: 'Show one instance with its dependent resources.',
    query: [PARAMETERS],
    responseKey: 'instance',
    async handle(call) {
      const instance = await call.service.protectables.instance(call.context, call.params['protectable_type']!, call.params['instance_id']!, parametersOf(call));
      return { body: { instance: protectableInstanceView(instance) } };
    },
  },
]);
