// Group key exchange (PROTOCOL.md, "Messages"): a subscriber publishes a signed group key
// request carrying its public key; the publisher checks it and answers with a signed response in
// which each requested key is ECIES-sealed for that subscriber alone. This is also how a rekey
// reaches only the remaining subscribers: the publisher simply stops answering a revoked one.
// Who may ask is the permission registry's call, made by the caller before answering.
// Both travel as StreamMessages of their own type, signed with the same scheme as content; their
// content is encoded by key-exchange-codec.ts. The cryptography comes through the CryptoSuite
// port, so the simulator's modelled suite runs the same exchange.

import type { CryptoSuite } from '../security/crypto-suite.ts'
import { ERR, fail, ok, type Result } from './errors.ts'
import { GROUP_KEY_BYTES, type GroupKey } from './encryption.ts'
import { addressOfPublicKey, type Address, type KeyPair } from './identity.ts'
import {
  DEFAULT_KEY_EXCHANGE_OPTIONS, decodeGroupKeyRequest, decodeGroupKeyResponse, encodeGroupKeyRequest, encodeGroupKeyResponse,
  type GroupKeyRequest, type KeyExchangeOptions,
} from './key-exchange-codec.ts'
import {
  CONTENT_TYPE_BINARY, ENCRYPTION_NONE, MESSAGE_TYPE_GROUP_KEY_REQUEST, MESSAGE_TYPE_GROUP_KEY_RESPONSE,
  type MessageRef, type StreamMessage, type UnsignedStreamMessage,
} from './stream-message.ts'

/** Where a key exchange message sits: its stream part and its place in the sender's chain. */
export interface Envelope {
  readonly streamId: string
  readonly streamPartition: number
  readonly timestamp: number
  readonly sequenceNumber: number
  readonly msgChainId: string
  readonly prevMsgRef?: MessageRef | null
}

/** What a requester remembers to check the answer against. */
export interface PendingGroupKeyRequest {
  readonly requestId: string
  readonly publisherId: Address
  readonly streamId: string
  readonly streamPartition: number
  readonly groupKeyIds: readonly string[]
}

/** A request whose signature, structure and public key have been checked. */
export interface ValidGroupKeyRequest extends GroupKeyRequest {
  readonly requesterId: Address
  readonly streamId: string
  readonly streamPartition: number
}

/** The subscriber's side: a signed request for `groupKeyIds` from `publisherId`, and what to remember. */
export function createGroupKeyRequest(
  suite: CryptoSuite,
  requester: KeyPair,
  envelope: Envelope,
  ask: { requestId: string; publisherId: Address; groupKeyIds: readonly string[] },
): { message: StreamMessage; pending: PendingGroupKeyRequest } {
  const content = encodeGroupKeyRequest({ requestId: ask.requestId, recipientId: ask.publisherId, publicKey: requester.publicKey, groupKeyIds: ask.groupKeyIds })
  const message = suite.sign(unsignedOf(requester.address, envelope, MESSAGE_TYPE_GROUP_KEY_REQUEST, content), requester)
  const pending = { requestId: ask.requestId, publisherId: ask.publisherId, streamId: envelope.streamId, streamPartition: envelope.streamPartition, groupKeyIds: [...ask.groupKeyIds] }
  return { message, pending }
}

/** The publisher's side: is this a genuine request addressed to `self`? Never throws. */
export function validateGroupKeyRequest(suite: CryptoSuite, message: StreamMessage, self: Address, o: KeyExchangeOptions = DEFAULT_KEY_EXCHANGE_OPTIONS): Result<ValidGroupKeyRequest> {
  if (message.messageType !== MESSAGE_TYPE_GROUP_KEY_REQUEST) return fail(ERR.WRONG_MESSAGE_TYPE, `message type ${message.messageType}`)
  const signer = signerOf(suite, message)
  if (!signer.ok) return signer
  const request = decodeGroupKeyRequest(message.content, o)
  if (!request.ok) return request
  if (request.value.recipientId !== self) return fail(ERR.NOT_FOR_US, `request is for ${request.value.recipientId}`)
  // The key must be the signer's own: otherwise a relay could swap in its key and read the answer.
  if (addressOfPublicKey(request.value.publicKey) !== signer.value) return fail(ERR.PUBLIC_KEY_MISMATCH, 'public key is not the requester\'s')
  return ok({ ...request.value, requesterId: signer.value, streamId: message.messageId.streamId, streamPartition: message.messageId.streamPartition })
}

/** The publisher's answer: `keys` (already filtered by permission) sealed for the requester. */
export function createGroupKeyResponse(
  suite: CryptoSuite,
  publisher: KeyPair,
  envelope: Omit<Envelope, 'streamId' | 'streamPartition'>,
  request: ValidGroupKeyRequest,
  keys: readonly GroupKey[],
): StreamMessage {
  const groupKeys = keys.map((k) => ({ id: k.id, data: suite.seal(request.publicKey, k.key) }))
  const content = encodeGroupKeyResponse({ requestId: request.requestId, recipientId: request.requesterId, groupKeys })
  const full = { ...envelope, streamId: request.streamId, streamPartition: request.streamPartition }
  return suite.sign(unsignedOf(publisher.address, full, MESSAGE_TYPE_GROUP_KEY_RESPONSE, content), publisher)
}

/**
 * The subscriber's side: the keys, if this response is the signed answer of the publisher we
 * asked, to our request, for us, with only keys we asked for. Never throws.
 */
export function validateGroupKeyResponse(
  suite: CryptoSuite,
  message: StreamMessage,
  recipient: KeyPair,
  pending: PendingGroupKeyRequest,
  o: KeyExchangeOptions = DEFAULT_KEY_EXCHANGE_OPTIONS,
): Result<GroupKey[]> {
  if (message.messageType !== MESSAGE_TYPE_GROUP_KEY_RESPONSE) return fail(ERR.WRONG_MESSAGE_TYPE, `message type ${message.messageType}`)
  const signer = signerOf(suite, message)
  if (!signer.ok) return signer
  if (signer.value !== pending.publisherId) return fail(ERR.UNEXPECTED_RESPONSE, `answered by ${signer.value}, asked ${pending.publisherId}`)
  const id = message.messageId
  if (id.streamId !== pending.streamId || id.streamPartition !== pending.streamPartition) return fail(ERR.UNEXPECTED_RESPONSE, 'response for another stream part')
  const response = decodeGroupKeyResponse(message.content, o)
  if (!response.ok) return response
  if (response.value.recipientId !== recipient.address) return fail(ERR.NOT_FOR_US, `response is for ${response.value.recipientId}`)
  if (response.value.requestId !== pending.requestId) return fail(ERR.UNEXPECTED_RESPONSE, `request id ${response.value.requestId}`)
  const keys: GroupKey[] = []
  for (const sealed of response.value.groupKeys) {
    if (!pending.groupKeyIds.includes(sealed.id)) return fail(ERR.UNEXPECTED_RESPONSE, `key ${sealed.id} was not asked for`)
    const key = suite.open(recipient, sealed.data)
    if (key === null) return fail(ERR.DECRYPTION_FAILED, `key ${sealed.id} does not open for ${recipient.address}`)
    if (key.length !== GROUP_KEY_BYTES) return fail(ERR.BAD_KEY_EXCHANGE, `key ${sealed.id} is ${key.length} bytes`)
    keys.push({ id: sealed.id, key })
  }
  return ok(keys)
}

function signerOf(suite: CryptoSuite, message: StreamMessage): Result<Address> {
  const signer = suite.signer(message)
  if (signer === null) return fail(ERR.BAD_SIGNATURE, 'signature does not verify')
  if (signer !== message.messageId.publisherId) return fail(ERR.WRONG_SIGNER, `signed by ${signer}, publisher is ${message.messageId.publisherId}`)
  return ok(signer)
}

function unsignedOf(publisherId: Address, e: Envelope, messageType: typeof MESSAGE_TYPE_GROUP_KEY_REQUEST | typeof MESSAGE_TYPE_GROUP_KEY_RESPONSE, content: Uint8Array): UnsignedStreamMessage {
  return {
    messageId: { streamId: e.streamId, streamPartition: e.streamPartition, timestamp: e.timestamp, sequenceNumber: e.sequenceNumber, publisherId, msgChainId: e.msgChainId },
    prevMsgRef: e.prevMsgRef ?? null,
    messageType,
    contentType: CONTENT_TYPE_BINARY,
    encryptionType: ENCRYPTION_NONE,
    groupKeyId: null,
    newGroupKey: null,
    content,
  }
}
