/**
 * Sign-in with a JWT signed by the host site (issue 4), so `<mt-chat>` embeds into a site with its
 * own login: HS256 with a shared secret, or EdDSA / ES256 / RS256 with the site's public key (PEM
 * SPKI or JWK). `sub`, `name` and `exp` are required; `iss`/`aud` are checked when configured.
 * Only the configured algorithm is accepted, so a token cannot pick a weaker one.
 * @module
 */
import { createPublicKey } from 'node:crypto'
import { importJWK, importSPKI, jwtVerify, type CryptoKey, type JWK } from 'jose'
import { MtChatError } from '../../sdk/errors.js'

/** Algorithms a host may sign with. */
export type HostJwtAlg = 'HS256' | 'EdDSA' | 'ES256' | 'RS256'

/** The claims the relay uses. */
export interface HostClaims {
  sub: string
  name: string
  /** Expiry, unix ms. */
  exp: number
  preferred_username?: string
}

function inferAlg(publicKey: string): HostJwtAlg {
  const s = publicKey.trim()
  if (s.startsWith('{')) {
    const jwk = JSON.parse(s) as JWK
    if (jwk.alg && ['EdDSA', 'ES256', 'RS256'].includes(jwk.alg)) return jwk.alg as HostJwtAlg
    if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') return 'EdDSA'
    if (jwk.kty === 'EC' && jwk.crv === 'P-256') return 'ES256'
    if (jwk.kty === 'RSA') return 'RS256'
  } else {
    const key = createPublicKey(s)
    if (key.asymmetricKeyType === 'ed25519') return 'EdDSA'
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256'
    if (key.asymmetricKeyType === 'rsa') return 'RS256'
  }
  throw new MtChatError('INVALID_ARGUMENT', 'MT_JWT_PUBLIC_KEY must be an Ed25519, P-256 or RSA public key (PEM or JWK)')
}

/** Verifies host-signed JWTs. */
export class HostJwtVerifier {
  private constructor(
    private readonly key: CryptoKey | Uint8Array,
    readonly alg: HostJwtAlg,
    private readonly issuer?: string,
    private readonly audience?: string,
  ) {}

  /** Builds a verifier from config, or undefined when JWT sign-in is not configured. Bad keys throw. */
  static async create(o: { jwtSecret?: string; jwtPublicKey?: string; jwtAlg?: HostJwtAlg; jwtIssuer?: string; jwtAudience?: string }): Promise<HostJwtVerifier | undefined> {
    if (o.jwtSecret) return new HostJwtVerifier(new TextEncoder().encode(o.jwtSecret), 'HS256', o.jwtIssuer, o.jwtAudience)
    if (!o.jwtPublicKey) return undefined
    try {
      const alg = o.jwtAlg ?? inferAlg(o.jwtPublicKey)
      const s = o.jwtPublicKey.trim()
      const key = s.startsWith('{') ? ((await importJWK(JSON.parse(s) as JWK, alg)) as CryptoKey) : await importSPKI(s, alg)
      return new HostJwtVerifier(key, alg, o.jwtIssuer, o.jwtAudience)
    } catch (cause) {
      if (MtChatError.is(cause)) throw cause
      throw new MtChatError('INVALID_ARGUMENT', `MT_JWT_PUBLIC_KEY cannot be used: ${(cause as Error).message}`, { cause })
    }
  }

  /** Verifies `jwt` at time `now`; UNAUTHORIZED with the reason otherwise. */
  async verify(jwt: string, now: number): Promise<HostClaims> {
    let payload: Record<string, unknown>
    try {
      ;({ payload } = await jwtVerify(jwt, this.key, {
        algorithms: this.alg === 'EdDSA' ? ['EdDSA', 'Ed25519'] : [this.alg],
        issuer: this.issuer,
        audience: this.audience,
        currentDate: new Date(now),
        requiredClaims: ['sub', 'name', 'exp'],
        clockTolerance: 30,
      }))
    } catch (cause) {
      const code = (cause as { code?: string }).code ?? 'ERR_JWT_INVALID'
      throw new MtChatError('UNAUTHORIZED', `host JWT rejected (${code})`, { cause })
    }
    const { sub, name, preferred_username } = payload
    if (typeof sub !== 'string' || sub.length < 1 || sub.length > 255) throw new MtChatError('UNAUTHORIZED', 'host JWT: sub must be a string of 1..255 characters')
    if (typeof name !== 'string' || name.trim().length < 1) throw new MtChatError('UNAUTHORIZED', 'host JWT: name must be a non-empty string')
    const claims: HostClaims = { sub, name: name.trim().slice(0, 64), exp: Number(payload.exp) * 1000 }
    if (typeof preferred_username === 'string') claims.preferred_username = preferred_username
    return claims
  }
}
