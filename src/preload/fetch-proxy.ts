/**
 * Preloaded into Node processes that `proxydoc run` starts (NODE_OPTIONS=--require …). Node before 22.21 / 24
 * ignores HTTP_PROXY/HTTPS_PROXY in its built-in fetch(); this routes fetch() through them with undici's
 * EnvHttpProxyAgent, which fetch() uses once it is the global dispatcher (shared across undici copies by
 * Symbol.for('undici.globalDispatcher.1')).
 *
 * It must never break the program it is loaded into: any failure is one line on stderr and the program runs on,
 * unproxied.
 */
function installFetchProxy(): void {
  const env = process.env;
  const proxied = [env.HTTP_PROXY, env.HTTPS_PROXY, env.http_proxy, env.https_proxy].some((value) => value);
  // A process whose proxy variables were removed keeps Node's own dispatcher.
  if (!proxied) return;
  try {
    // Required here, not imported at the top, so that a failure to load either is caught.
    const { hasBuiltInEnvProxy } = require('../cli/shell-env') as typeof import('../cli/shell-env');
    // Newer Node does it natively with NODE_USE_ENV_PROXY=1, for the http module too.
    if (env.NODE_USE_ENV_PROXY === '1' && hasBuiltInEnvProxy(process.versions.node)) return;
    const { EnvHttpProxyAgent, setGlobalDispatcher } = require('undici') as typeof import('undici');
    // ProxyAgent sends http:// requests through a CONNECT tunnel unless proxyTunnel is false; absolute-form
    // requests are what HTTP proxies (and curl's http_proxy) use. EnvHttpProxyAgent passes it to both agents.
    setGlobalDispatcher(new EnvHttpProxyAgent({ proxyTunnel: false }));
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n', 1)[0] : String(error);
    process.stderr.write(`proxydoc: fetch() in this process is not proxied: cannot set up undici (${reason})\n`);
  }
}

installFetchProxy();
