// Storage nodes and resends (PROTOCOL.md, "Messages"): re-exports only.

export * from './storage-messages.ts'
export * from './storage-assignment.ts'
export * from './message-store.ts'
export * from './in-memory-message-store.ts'
export * from './storage-node.ts'
export * from './resend-client.ts'
