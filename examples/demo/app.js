// The demo page the relay serves at / (examples/demo): users sign up or in and chat, secret or
// cloud, each panel a separate SDK client with its own IndexedDB storage. Plain JavaScript on the
// SDK's browser bundle (./mt-chat.min.js: the relay serves dist/browser/mt-chat.min.js and the
// chunks/ it loads on first use, built by `npm run build`, there).
import { createClient, fetchServerKey, indexedDbStorage, MtChatError, signIn, signUp } from './mt-chat.min.js'

const url = location.origin
// Served by the relay itself, so its key comes from the same origin as the page. A site embedding
// mt-chat ships the key with its code instead (see examples/custom-frontend).
const serverKey = fetchServerKey({ url })
const TICKS = { sending: '…', sent: '✔', delivered: '✔✔', read: '✅', failed: '✖' }
const $ = (root, sel) => root.querySelector(sel)
const errorText = (e) => (MtChatError.is(e) ? `${e.code}: ${e.message}` : String(e?.message ?? e))

let panelCount = 0

function addPanel() {
  const slot = panelCount++
  const node = document.getElementById('panel').content.firstElementChild.cloneNode(true)
  document.getElementById('panels').append(node)
  const panel = new Panel(node, slot)
  const saved = sessionStorage.getItem(`mt-demo-session-${slot}`)
  if (saved) void panel.start(JSON.parse(saved))
}

class Panel {
  constructor(root, slot) {
    this.root = root
    this.slot = slot
    this.chats = new Map() // "kind:peer" → { chat, tab }
    this.current = undefined
    const signin = $(root, '.signin')
    signin.addEventListener('submit', (ev) => {
      ev.preventDefault()
      const form = new FormData(signin)
      const body = { url, password: String(form.get('password')) }
      const name = String(form.get('username'))
      const action = ev.submitter?.value === 'signup' ? signUp({ ...body, username: name }) : signIn({ ...body, login: name })
      action.then((s) => this.start(s), (e) => ($(signin, '.error').textContent = errorText(e)))
    })
    $(root, '.open').addEventListener('submit', (ev) => {
      ev.preventDefault()
      const peer = String(new FormData(ev.target).get('peer')).trim()
      if (peer) this.open(ev.submitter?.value === 'cloud' ? this.client.cloudChat(peer) : this.client.secretChat(peer))
    })
    $(root, '.compose').addEventListener('submit', (ev) => {
      ev.preventDefault()
      this.send(ev.target)
    })
    let lastTyping = 0
    $(root, '.compose input[name="text"]').addEventListener('input', () => {
      if (!this.current || Date.now() - lastTyping < 3000) return
      lastTyping = Date.now()
      this.current.chat.typing().catch(() => {})
    })
    $(root, '.verify').addEventListener('click', async () => {
      const box = $(root, '.verification')
      box.hidden = false
      box.textContent = 'computing…'
      try {
        const v = await this.current.chat.verify()
        box.textContent = `${v.emoji}  ${v.safetyNumber} — compare with ${this.current.chat.peer}`
      } catch (e) {
        box.textContent = errorText(e)
      }
    })
  }

  async start(session) {
    sessionStorage.setItem(`mt-demo-session-${this.slot}`, JSON.stringify(session))
    this.me = session.user
    const name = session.user.username ?? String(session.user.id)
    this.client = createClient({ url, serverKey: await serverKey, token: session.token, storage: indexedDbStorage({ name: `mt-chat-demo:${name}` }) })
    $(this.root, '.signin').hidden = true
    $(this.root, '.app').hidden = false
    $(this.root, '.me').textContent = `👤 ${name}`
    const status = $(this.root, '.status')
    this.client.on('connection', (s) => {
      status.textContent = s
      status.className = `status ${s}`
    })
    this.client.on('error', (e) => ($(this.root, '.app > .error').textContent = errorText(e)))
    this.client.on('chat', (chat) => this.tab(chat))
    this.client.on('message', (m) => {
      if (this.current?.chat === m.chat) return // the chat's own listener shows it
      const t = this.tab(m.chat)
      t.tab.textContent = `${label(m.chat)} •`
    })
    this.client.connect().catch((e) => ($(this.root, '.app > .error').textContent = errorText(e)))
  }

  tab(chat) {
    const key = `${chat.kind}:${String(chat.peer).toLowerCase()}`
    let entry = this.chats.get(key)
    if (entry) return entry
    const tab = document.createElement('button')
    tab.type = 'button'
    tab.role = 'tab'
    tab.textContent = label(chat)
    tab.addEventListener('click', () => this.open(chat))
    $(this.root, '.chats').append(tab)
    entry = { chat, tab }
    this.chats.set(key, entry)
    // Incoming chats are named by id: show the username once known.
    if (typeof chat.peer === 'number') this.client.user(chat.peer).then((u) => u.username && (tab.textContent = label(chat, u.username)), () => {})
    chat.on('message', (m) => this.current?.chat === chat && this.render(m))
    chat.on('status', (s) => this.current?.chat === chat && this.status(s.id, s.status))
    chat.on('deleted', (d) => d.ids.forEach((id) => this.root.querySelector(`li[data-id="${id}"]`)?.remove()))
    chat.on('typing', () => {
      if (this.current?.chat !== chat) return
      const p = $(this.root, '.typing')
      p.textContent = 'typing…'
      clearTimeout(this.typingTimer)
      this.typingTimer = setTimeout(() => (p.textContent = ''), 4000)
    })
    chat.on('aborted', (a) => ($(this.root, '.app > .error').textContent = `secret chat aborted: ${a.code}`))
    return entry
  }

  async open(chat) {
    const entry = this.tab(chat)
    this.current = entry
    for (const { tab } of this.chats.values()) tab.setAttribute('aria-selected', String(tab === entry.tab))
    entry.tab.textContent = entry.tab.textContent.replace(/ •$/, '')
    const conv = $(this.root, '.conversation')
    conv.hidden = false
    conv.classList.toggle('secret', chat.kind === 'secret')
    $(this.root, '.title').textContent = `${chat.kind === 'secret' ? '🔒' : '☁'} ${entry.tab.textContent}`
    $(this.root, '.verify').hidden = chat.kind !== 'secret'
    $(this.root, '.verification').hidden = true
    const list = $(this.root, '.messages')
    list.replaceChildren()
    try {
      for (const m of await chat.history({ limit: 50 })) this.render(m)
      await chat.markRead()
    } catch (e) {
      $(this.root, '.app > .error').textContent = errorText(e)
    }
  }

  render(m) {
    const list = $(this.root, '.messages')
    let li = list.querySelector(`li[data-id="${m.id}"]`)
    if (!li) {
      li = document.createElement('li')
      li.dataset.id = m.id
      list.append(li)
    }
    li.className = m.out ? 'out' : 'in'
    li.replaceChildren()
    if (m.file) {
      const a = document.createElement('a')
      a.href = '#'
      a.textContent = `📎 ${m.file.name} (${m.file.size} B)`
      a.addEventListener('click', async (ev) => {
        ev.preventDefault()
        const blob = await m.file.blob()
        const link = Object.assign(document.createElement('a'), { href: URL.createObjectURL(blob), download: m.file.name })
        link.click()
      })
      li.append(a)
      if (m.caption) li.append(` ${m.caption}`)
    } else li.append(m.text ?? '')
    const meta = document.createElement('span')
    meta.className = 'meta'
    meta.textContent = m.out ? TICKS[m.status] : ''
    li.append(meta)
    list.scrollTop = list.scrollHeight
    if (!m.out && !document.hidden) void m.chat.markRead(m.id).catch(() => {})
  }

  status(id, status) {
    const meta = this.root.querySelector(`li[data-id="${id}"] .meta`)
    if (meta) meta.textContent = TICKS[status]
  }

  async send(form) {
    const chat = this.current?.chat
    if (!chat) return
    const text = form.elements.text.value
    const file = form.elements.file.files[0]
    form.reset()
    try {
      // Shown at once (status "sending"), confirmed by the status events.
      const pending = file ? chat.sendFile(file) : text ? chat.send(text) : undefined
      if (pending) this.render(await pending)
    } catch (e) {
      $(this.root, '.app > .error').textContent = errorText(e)
    }
  }
}

function label(chat, name) {
  return `${chat.kind === 'secret' ? '🔒' : '☁'} ${name ?? chat.peer}`
}

document.getElementById('add-panel').addEventListener('click', addPanel)
addPanel()
