// Vanilla wiring of the SDK: sign in, create a client, open one chat, render its store.
import { createClient, fetchServerKey, indexedDbStorage, signIn, signUp } from './mt-chat.min.js'
import { createChatStore } from './chat-store.js'

const url = location.origin
const TICKS = { sending: '…', sent: '✔', delivered: '✔✔', read: '✅', failed: '✖' }

document.getElementById('login').addEventListener('submit', async (ev) => {
  ev.preventDefault()
  const f = new FormData(ev.target)
  const user = String(f.get('user'))
  const password = String(f.get('password'))
  const session = ev.submitter.value === 'signup' ? await signUp({ url, username: user, password }) : await signIn({ url, login: user, password })
  // In your app: ship the relay's key with your code, and get the token from your backend.
  const client = createClient({ url, serverKey: await fetchServerKey({ url }), token: session.token, storage: indexedDbStorage({ name: `mt-chat-custom:${user}` }) })
  client.on('connection', (s) => (document.getElementById('connection').textContent = `connection: ${s}`))
  const peer = String(f.get('peer'))
  const chat = f.get('kind') === 'cloud' ? client.cloudChat(peer) : client.secretChat(peer)
  const store = createChatStore(chat)
  store.subscribe(() => render(store.getState()))
  ev.target.hidden = true
  const compose = document.getElementById('compose')
  compose.hidden = false
  compose.addEventListener('submit', (e) => {
    e.preventDefault()
    void store.send(compose.elements.text.value)
    compose.reset()
  })
  compose.elements.text.addEventListener('input', () => store.typing())
  await client.connect()
})

function render(state) {
  document.getElementById('log').replaceChildren(
    ...state.messages.map((m) => {
      const li = document.createElement('li')
      li.className = m.out ? 'out' : 'in'
      li.textContent = `${m.text ?? m.file?.name ?? ''} ${m.out ? TICKS[m.status] : ''}`
      return li
    }),
  )
  document.getElementById('typing').textContent = state.typing ? 'typing…' : state.error ? `error: ${state.error}` : ''
}
