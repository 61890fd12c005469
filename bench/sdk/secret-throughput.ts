/**
 * Secret messages encrypted + decrypted per second per core (docs/PROTOCOL.md §4.2–§4.4): one
 * initiator and one responder session in memory, each call = the initiator encrypts a 100-character
 * text and the responder decrypts it in order (seq checks, payload schema, msg_key). Measured on
 * node:crypto (the Node entry) and noble (the browser path). No network, no storage.
 */
import { nobleProvider } from '../../sdk/crypto/noble.js'
import { nodeProvider } from '../../sdk/crypto/node.js'
import type { CryptoProvider } from '../../sdk/crypto/provider.js'
import { DeviceKeys, SecretChatSession } from '../../sdk/protocol/secret/index.js'
import { opsPerSecond, type MeasureOptions } from '../measure.js'

async function pair(p: CryptoProvider) {
  const bob = await DeviceKeys.generate(p, { oneTimePrekeys: 1 })
  const alice = await DeviceKeys.generate(p, { oneTimePrekeys: 1 })
  const bundle = JSON.parse(JSON.stringify({ user_id: 2, ...bob.publicBundle('bob'), one_time_prekey: bob.publicBundle('bob').one_time_prekeys![0] }))
  delete bundle.one_time_prekeys
  const a = SecretChatSession.initiate({ provider: p, identity: alice, bundle })
  const first = a.outcomes.find((o) => o.type === 'send')!
  if (first.type !== 'send') throw new Error('no first envelope')
  const b = SecretChatSession.accept({ provider: p, identity: bob, chatId: a.chatId, envelope: first.envelope })
  return { a: a.session, b: b.session }
}

/** Rows: [backend, messages/s per core]. */
export async function secretThroughput(options: MeasureOptions): Promise<{ backend: string; perSecond: number }[]> {
  const text = 'x'.repeat(100)
  const out: { backend: string; perSecond: number }[] = []
  for (const [backend, p] of [['node:crypto', nodeProvider], ['noble', nobleProvider]] as const) {
    const { a, b } = await pair(p)
    let delivered = 0
    const perSecond = await opsPerSecond(() => {
      const env = a.encrypt({ _: 'text', text })
      for (const o of b.decrypt(env)) if (o.type === 'message') delivered++
    }, options)
    if (delivered === 0) throw new Error('nothing was delivered')
    out.push({ backend, perSecond })
  }
  return out
}
