// A framework-agnostic store over one SDK chat: the state a UI renders (messages with their
// status, "typing"), a subscribe function, and the actions. React reads it with
// useSyncExternalStore, Vue with a shallowRef, plain JS with subscribe — see README.md.

/**
 * @param {import('../../sdk/index.js').Chat} chat
 * @returns {{ getState(): State, subscribe(fn: () => void): () => void, send(text: string): Promise<void>, typing(): void, close(): void }}
 * @typedef {{ messages: import('../../sdk/index.js').Message[], typing: boolean, error?: string }} State
 */
export function createChatStore(chat) {
  /** @type {State} */
  let state = { messages: [], typing: false }
  const listeners = new Set()
  // Immutable updates: a new state object per change, which is what React and Vue compare.
  const set = (patch) => {
    state = { ...state, ...patch }
    for (const fn of listeners) fn()
  }
  const upsert = (m) => {
    const i = state.messages.findIndex((x) => x.id === m.id)
    const messages = i < 0 ? [...state.messages, m] : state.messages.map((x, j) => (j === i ? m : x))
    set({ messages })
  }
  let typingTimer
  const onMessage = (m) => {
    upsert(m)
    if (!m.out) chat.markRead(m.id).catch(() => {})
  }
  const onStatus = (s) => {
    const m = state.messages.find((x) => x.id === s.id)
    if (m) upsert({ ...m, status: s.status })
  }
  const onDeleted = (d) => set({ messages: state.messages.filter((m) => !d.ids.includes(m.id)) })
  const onTyping = () => {
    set({ typing: true })
    clearTimeout(typingTimer)
    typingTimer = setTimeout(() => set({ typing: false }), 4000)
  }
  chat.on('message', onMessage)
  chat.on('status', onStatus)
  chat.on('deleted', onDeleted)
  chat.on('typing', onTyping)
  chat.history({ limit: 50 }).then((messages) => set({ messages }), (e) => set({ error: e.code ?? String(e) }))
  let lastTyping = 0
  return {
    getState: () => state,
    subscribe(fn) {
      listeners.add(fn)
      return () => listeners.delete(fn)
    },
    async send(text) {
      try {
        upsert(await chat.send(text))
      } catch (e) {
        set({ error: e.code ?? String(e) })
      }
    },
    typing() {
      if (Date.now() - lastTyping < 3000) return
      lastTyping = Date.now()
      chat.typing().catch(() => {})
    },
    close() {
      chat.off('message', onMessage)
      chat.off('status', onStatus)
      chat.off('deleted', onDeleted)
      chat.off('typing', onTyping)
      clearTimeout(typingTimer)
    },
  }
}
