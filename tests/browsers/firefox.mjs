// Firefox for tests/_engines.py: puppeteer-core over WebDriver BiDi, driven by JSON lines.
//
//   node firefox.mjs '{"executable": ..., "profile": ..., "downloads": ..., "proxyPort": N}'
//
// Reads one command a line on stdin ({"id", "op", "args"}) and answers one line on stdout
// ({"id", "result"} or {"id", "error"}).  The proxy preferences send every request that is
// not to 127.0.0.1 to a local port that refuses and logs (Firefox never proxies
// 127.0.0.1), and every request the page, its workers or its service worker makes is
// reported, so the Python side can check nothing left the machine.
import readline from 'node:readline';
import puppeteer from 'puppeteer-core';

const options = JSON.parse(process.argv[2]);
const proxy = {
  'network.proxy.type': 1,
  'network.proxy.http': '127.0.0.1', 'network.proxy.http_port': options.proxyPort,
  'network.proxy.ssl': '127.0.0.1', 'network.proxy.ssl_port': options.proxyPort,
  'network.proxy.share_proxy_settings': true, 'network.proxy.no_proxies_on': '',
  'network.proxy.allow_hijacking_localhost': false,
  // Fewer of Firefox's own calls home (the proxy refuses them anyway).
  'network.captive-portal-service.enabled': false, 'network.connectivity-service.enabled': false,
};
const downloads = {
  'browser.download.dir': options.downloads, 'browser.download.folderList': 2,
  'browser.download.useDownloadDir': true, 'browser.download.always_ask_before_handling_new_types': false,
  'browser.download.manager.showWhenStarting': false,
  'browser.helperApps.neverAsk.saveToDisk': 'application/x-ipynb+json,application/json,application/octet-stream',
};
const browser = await puppeteer.launch({
  browser: 'firefox', protocol: 'webDriverBiDi', headless: true,
  executablePath: options.executable, userDataDir: options.profile,
  defaultViewport: {width: 1366, height: 900},
  extraPrefsFirefox: {...proxy, ...downloads},
});
const page = (await browser.pages())[0] ?? await browser.newPage();
const requests = [];
page.on('request', (request) => requests.push(request.url()));

const ops = {
  version: async () => browser.version(),
  goto: async (url) => {
    try {
      await page.goto(url, {waitUntil: 'load', timeout: 120000});
    } catch (error) {  // the site's front page hands over to the lab at once (location.replace)
      if (!String(error).includes('NS_BINDING_ABORTED')) throw error;
    }
    return true;
  },
  // `source` is a function's source (called with `arg`) or an expression, as in Playwright.
  evaluate: async (source, arg) => page.evaluate(
    `(() => { const f = (${source}); return typeof f === 'function' ? f(${JSON.stringify(arg ?? null)}) : f; })()`),
  screenshot: async (selector, path) => {
    const element = await page.$(selector);
    if (!element) throw new Error(`nothing matches ${selector}`);
    await element.scrollIntoView();
    await element.screenshot({path});
    return true;
  },
  click: async (selector) => { await page.click(selector); return true; },
  requests: async () => requests.slice(),
  close: async () => { await browser.close(); return true; },
};

const lines = readline.createInterface({input: process.stdin});
for await (const line of lines) {
  const {id, op, args} = JSON.parse(line);
  let answer;
  try {
    answer = {id, result: (await ops[op](...(args ?? []))) ?? null};
  } catch (error) {
    answer = {id, error: String(error && error.stack || error)};
  }
  process.stdout.write(JSON.stringify(answer) + '\n');
  if (op === 'close') break;
}
process.exit(0);
