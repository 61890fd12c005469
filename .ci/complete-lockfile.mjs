#!/usr/bin/env node
// Adds lockfile entries for platform-specific optional packages that the registry here does not
// serve (e.g. @rollup/rollup-darwin-x64: only the Linux builds are mirrored). Without them npm
// writes a lockfile that its own `npm ci` then refuses as "out of sync" (npm/cli#9846). The
// entries carry version, os, cpu and libc, so npm skips them on other platforms without fetching.
// Run after any `npm install` that changes package-lock.json:  node .ci/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs'

const path = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(path, 'utf8'))
const OS = { android: 'android', darwin: 'darwin', freebsd: 'freebsd', linux: 'linux', openbsd: 'openbsd', openharmony: 'openharmony', win32: 'win32' }
const CPU = { arm: 'arm', arm64: 'arm64', x64: 'x64', ia32: 'ia32', loong64: 'loong64', ppc64: 'ppc64', riscv64: 'riscv64', s390x: 's390x' }

let added = 0
for (const [where, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `${where ? `${where}/` : ''}node_modules/${name}`
    if (lock.packages[key] || lock.packages[`node_modules/${name}`]) continue
    const m = /-(android|darwin|freebsd|linux|openbsd|openharmony|win32)-(arm64|arm|x64|ia32|loong64|ppc64|riscv64|s390x)(?:-(\w+))?$/.exec(name)
    if (!m || !/^\d+\.\d+\.\d+$/.test(version)) {
      console.warn(`skipped ${name}@${version}: not a platform package with an exact version`)
      continue
    }
    const entry = { version, cpu: [CPU[m[2]]], dev: pkg.dev || undefined, license: pkg.license, optional: true, os: [OS[m[1]]] }
    if (m[3] === 'gnu' || m[3] === 'gnueabihf') entry.libc = ['glibc']
    if (m[3] === 'musl' || m[3] === 'musleabihf') entry.libc = ['musl']
    lock.packages[`node_modules/${name}`] = entry
    added++
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)))
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n')
console.log(`complete-lockfile: added ${added} platform entries`)
