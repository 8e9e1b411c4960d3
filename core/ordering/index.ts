// Ordering and completeness per publisher chain (PROTOCOL.md, "Messages"): re-exports only.

export * from './ordering-options.ts'
export * from './ordering-stats.ts'
export * from './resend-source.ts'
export * from './ordered-chain.ts'
export * from './gap-filler.ts'
export * from './ordering-buffer.ts'
