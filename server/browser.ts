/**
 * What a browser bundler resolves for `mt-chat/server` (package.json "browser" condition): the
 * relay needs Node (sockets, files, a database), so importing it in a page fails with a sentence
 * that says so instead of a bundler error about `node:http` (STYLE "Layout and size").
 * @module
 */
throw new Error(
  'mt-chat/server is the Node.js relay (HTTP, WebSocket, database) and cannot run in a browser. ' +
    "In a web page import the client instead: import { createClient } from 'mt-chat'.",
)
