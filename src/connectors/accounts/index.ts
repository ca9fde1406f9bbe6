export {
  ACCOUNT_FIELDS,
  type AccountField,
  type AccountFields,
  type AccountSpec,
  type Connector,
  type ConnectorCapabilities,
  type Created,
  type Mapped,
  type Receipt,
  type RemoteAccount,
} from './port.ts';
export { MemoryConnector, underTest } from './memory.ts';
