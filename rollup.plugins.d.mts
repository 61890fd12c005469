import type { Plugin } from 'rollup'
export declare const cjsAsEsm: (files: string[]) => Plugin
export declare const ownCopy: (importer: string, source: string) => Plugin
export declare const browserPlugins: () => Plugin[]
