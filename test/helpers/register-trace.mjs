import { register } from 'node:module'

register(new URL('./trace-imports.mjs', import.meta.url))
