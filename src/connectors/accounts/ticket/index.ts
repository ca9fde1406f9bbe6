export { TicketConnector } from './connector.ts';
export { TICKET_DEFAULTS, type TicketOptions, callbackUrl } from './options.ts';
export { type SignedPost, postSigned } from './post.ts';
export { TICKET_OPERATIONS, type TicketAccount, type TicketOperation, type TicketRequest } from './request.ts';
export { SIGNATURE_HEADER, signBody, signatureMatches } from './signature.ts';
