// The message layer: identity, the StreamMessage wire codec, signatures, encryption and group
// key exchange. Re-exports only; each concern lives in its own module.

export * from './errors.ts'
export * from './secure-random.ts'
export * from './identity.ts'
export * from './stream-message.ts'
export * from './codec.ts'
export * from './signing.ts'
export * from './encryption.ts'
export * from './ecies.ts'
export * from './key-exchange-codec.ts'
export * from './key-exchange.ts'
