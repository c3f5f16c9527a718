export { createRng, type Rng } from './random.js';
export {
  addContact,
  addConversation,
  addNote,
  addPart,
  DAY,
  DEFAULT_NOW,
  EVENT_LIST_WINDOW,
  eventDescription,
  generateWorkspace,
  setContactTags,
  toPlaintext,
  updateContact,
  updateConversation,
  workspaceStats,
  type Workspace,
  type WorkspaceOptions,
} from './workspace.js';
export {
  startOfDay,
  startOfNextDay,
  startSimulator,
  type InterceptRequest,
  type InterceptResult,
  type Simulator,
  type SimulatorOptions,
  type SimulatorStats,
} from './server.js';
