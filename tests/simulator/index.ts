export { createRng, type Rng } from './random.js';
export { generateWorkspace, workspaceStats } from './generator.js';
export { addContact, addConversation, addNote, addPart, addTicket, addTicketPart, setContactTags, updateContact, updateConversation, updateTicket } from './mutations.js';
export { deleteCompany, deleteContact, deleteConversation, deleteSegment, deleteTag, mergeContact } from './deletions.js';
export {
  companyEdgeCases,
  companySegmentIds,
  companyTagIds,
  companyView,
  DATA_ATTRIBUTE_MODELS,
  dataAttributeDefinitions,
  eventDescription,
  listPositions,
  previousTicketStateId,
  toPlaintext,
} from './views.js';
export {
  COMPANY_EMBEDDED_LIMIT,
  DAY,
  DEFAULT_NOW,
  EVENT_LIST_WINDOW,
  type Article,
  type ArticleContent,
  type DataAttribute,
  type DeletedContact,
  type DeletedConversation,
  type DeletedRecord,
  type HelpCenterCollection,
  type LinkedObject,
  type SubscriptionTranslation,
  type SubscriptionType,
  type Ticket,
  type TicketPart,
  type TicketState,
  type TicketType,
  type TicketTypeAttribute,
  type Workspace,
  type WorkspaceOptions,
} from './model.js';
export {
  scrollWithout,
  startOfDay,
  startOfNextDay,
  startSimulator,
  type InterceptRequest,
  type InterceptResult,
  type Simulator,
  type SimulatorOptions,
  type SimulatorStats,
} from './server.js';
