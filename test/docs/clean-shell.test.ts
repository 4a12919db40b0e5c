import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { cleanShell, SYSTEM_ENV } from '../helpers/clean-shell.ts'

/**
 * The clean shell of the install tests (issue 17 point 12) is a new user's login: it keeps the
 * system's CA and proxy settings, so npm reaches the registry where the machine needs them,
 * and nothing else of the test's environment.
 */

test("the clean shell keeps the system's CA and proxy settings, and drops the rest of the environment", () => {
  const saved = { ...process.env }
  try {
    process.env['NODE_EXTRA_CA_CERTS'] = '/etc/ssl/certs/corporate-root.pem'
    process.env['SSL_CERT_FILE'] = '/etc/ssl/certs/ca-certificates.crt'
    process.env['HTTPS_PROXY'] = 'http://proxy.example:3128'
    process.env['NSOFFLOAD_TEST_NOT_SYSTEM'] = 'x'
    process.env['npm_config_prefix'] = '/somewhere/else'
    const { env, prefix } = cleanShell()
    assert.is(env['NODE_EXTRA_CA_CERTS'], '/etc/ssl/certs/corporate-root.pem')
    assert.is(env['SSL_CERT_FILE'], '/etc/ssl/certs/ca-certificates.crt')
    assert.is(env['HTTPS_PROXY'], 'http://proxy.example:3128')
    assert.is(env['NSOFFLOAD_TEST_NOT_SYSTEM'], undefined)
    assert.is(env['npm_config_prefix'], prefix, "npm's prefix is the shell's own")
    for (const k of Object.keys(env)) assert.ok(!k.startsWith('NSOFFLOAD'), k)
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k]
    Object.assign(process.env, saved)
  }
})

test('the machine running the tests: every system setting it has reaches the clean shell', () => {
  const { env } = cleanShell()
  for (const k of SYSTEM_ENV) if (process.env[k]) assert.is(env[k], process.env[k], k)
})

test.run()
