// The manifest, checked offline (the online validator cannot be reached here): well-formed XML, the
// schema's element order, every resource id resolves to the right kind, every URL is https under
// ADDIN_URL, each LaunchEvent function is associated by the event runtime, AppendOnSend is declared,
// and the requirement set covers every Office.js API the wrapper calls without feature detection.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { registerHandlers } from '../../src/addin/commands/launchevent.js';
import { FakeHost } from './fake-host.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
// webpack.config.js is plain JavaScript without declarations: typed here by what the test uses.
interface WebpackConfigModule {
  default(env: { addinUrl?: string }, argv: { mode?: string }): { plugins: Array<{ constructor: { name: string } }> };
  MANIFEST_DEV_URL: string;
  manifestFor(content: string, addinUrl: string): string;
}
const { default: makeConfig, MANIFEST_DEV_URL, manifestFor } = (await import('../../webpack.config.js' as string)) as WebpackConfigModule;
const SOURCE = fs.readFileSync(path.join(ROOT, 'manifest.xml'), 'utf8');
const ADDIN_URL = 'https://addin.example.test:8443';
const BUILT = manifestFor(SOURCE, ADDIN_URL);

type Node = Record<string, unknown>;
const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false });
const tree = parser.parse(BUILT) as Node[];

const nameOf = (n: Node) => Object.keys(n).find((k) => k !== ':@')!;
const local = (name: string) => name.replace(/^.*:/, '');
const attrs = (n: Node) => (n[':@'] ?? {}) as Record<string, string>;
const kids = (n: Node) => ((n[nameOf(n)] as Node[]) ?? []).filter((c) => !['#text', '?xml'].includes(nameOf(c)));
const text = (n: Node) => ((n[nameOf(n)] as Node[]) ?? []).map((c) => c['#text'] ?? '').join('').trim();

function* walk(nodes: Node[], parents: Node[] = []): Generator<{ node: Node; parents: Node[] }> {
  for (const node of nodes) {
    if (['#text', '?xml'].includes(nameOf(node))) continue;
    yield { node, parents };
    yield* walk(kids(node), [...parents, node]);
  }
}
const all = [...walk(tree)];
const find = (name: string) => all.filter(({ node }) => local(nameOf(node)) === name).map((x) => x.node);
const one = (name: string) => {
  const found = find(name);
  expect(found, name).toHaveLength(1);
  return found[0];
};

/** Child order from the XSDs (MS-OWEMXML: OfficeAppManifestV1_1, MailAppVersionOverridesV1_1, basic types). */
const ORDER: Record<string, string[]> = {
  OfficeApp: ['Id', 'AlternateId', 'Version', 'ProviderName', 'DefaultLocale', 'DisplayName', 'Description', 'IconUrl', 'HighResolutionIconUrl', 'SupportUrl', 'AppDomains', 'Hosts', 'Requirements', 'FormSettings', 'Permissions', 'Rule', 'DisableEntityHighlighting', 'VersionOverrides'],
  'VersionOverrides@1.1': ['Description', 'Requirements', 'Hosts', 'Resources', 'WebApplicationInfo', 'EquivalentAddins', 'ExtendedPermissions'],
  'VersionOverrides@1.0': ['Description', 'Requirements', 'Hosts', 'Resources', 'VersionOverrides'],
  Host: ['Runtimes', 'DesktopFormFactor', 'MobileFormFactor'],
  DesktopFormFactor: ['SupportsSharedFolders', 'FunctionFile', 'ExtensionPoint'],
  Group: ['Label', 'Control'],
  Control: ['Label', 'Supertip', 'Icon', 'Action'],
  Supertip: ['Title', 'Description'],
  Action: ['TaskpaneId', 'SourceLocation', 'Title', 'SupportsPinning'],
  Resources: ['Images', 'Urls', 'ShortStrings', 'LongStrings'],
  Form: ['DesktopSettings', 'TabletSettings', 'PhoneSettings'],
  DesktopSettings: ['SourceLocation', 'RequestedHeight'],
};

function orderKey(n: Node): string | null {
  const name = local(nameOf(n));
  if (name === 'VersionOverrides') return attrs(n)['xsi:type'] === 'VersionOverridesV1_1' ? 'VersionOverrides@1.1' : 'VersionOverrides@1.0';
  if (name === 'Host' && attrs(n)['xsi:type'] !== 'MailHost') return null; // the top-level <Host Name="Mailbox"/>
  return ORDER[name] ? name : null;
}

describe('manifest.xml', () => {
  it('is well-formed XML with one OfficeApp of type MailApp', () => {
    expect(XMLValidator.validate(SOURCE)).toBe(true);
    expect(XMLValidator.validate(BUILT)).toBe(true);
    expect(attrs(one('OfficeApp'))['xsi:type']).toBe('MailApp');
  });

  it('keeps the order the schema requires', () => {
    for (const { node } of all) {
      const key = orderKey(node);
      if (!key) continue;
      const order = ORDER[key];
      const names = kids(node).map((c) => local(nameOf(c)));
      const positions = names.map((n) => order.indexOf(n));
      expect(positions.every((p) => p >= 0), `${key} has only known children: ${names}`).toBe(true);
      expect(positions, `${key} children in order: ${names}`).toEqual([...positions].sort((a, b) => a - b));
    }
  });

  it('resolves every resource id to a resource of the right kind, with unique ids', () => {
    const ids = (kind: string) => find(kind).flatMap((k) => kids(k).map((c) => attrs(c).id));
    const resources = { Images: ids('Images'), Urls: ids('Urls'), ShortStrings: ids('ShortStrings'), LongStrings: ids('LongStrings') };
    const everyId = Object.values(resources).flat();
    expect(new Set(everyId).size).toBe(everyId.length);
    const kindFor = (node: Node, parents: Node[]): keyof typeof resources => {
      const name = local(nameOf(node));
      const parent = local(nameOf(parents.at(-1)!));
      if (name === 'Image') return 'Images';
      if (name === 'Label' || name === 'Title') return 'ShortStrings';
      if (name === 'Description' && parent === 'Supertip') return 'LongStrings';
      return 'Urls'; // SourceLocation, FunctionFile, Runtime, Override
    };
    const refs = all.filter(({ node }) => attrs(node).resid);
    expect(refs.length).toBeGreaterThan(10);
    for (const { node, parents } of refs) expect(resources[kindFor(node, parents)], `${nameOf(node)} resid=${attrs(node).resid}`).toContain(attrs(node).resid);
    const controlIds = [...find('Control'), ...find('Group')].map((n) => attrs(n).id);
    expect(new Set(controlIds).size).toBe(controlIds.length);
    for (const id of everyId) expect(id.length).toBeLessThanOrEqual(32);
  });

  it('puts every URL under ADDIN_URL, over https, and the build writes it that way', () => {
    const urls = all.flatMap(({ node }) => [...Object.values(attrs(node)).filter((v) => /^\w+:\/\//.test(v) && !v.startsWith('http://schemas.microsoft.com/') && !v.startsWith('http://www.w3.org/')), ...(local(nameOf(node)) === 'AppDomain' ? [text(node)] : [])]);
    expect(urls.length).toBeGreaterThan(8);
    for (const url of urls) {
      expect(url).toMatch(/^https:\/\//);
      expect(url === ADDIN_URL || url.startsWith(ADDIN_URL + '/'), url).toBe(true);
    }
    expect(BUILT).not.toContain(MANIFEST_DEV_URL);
    // The webpack build writes dist/manifest.xml through the same function.
    const copy = makeConfig({ addinUrl: ADDIN_URL + '/' }, { mode: 'production' }).plugins.find((p) => p.constructor.name === 'CopyPlugin') as unknown as { patterns: Array<{ to: string; transform(c: Buffer): string }> };
    expect(copy.patterns.find((p) => p.to === 'manifest.xml')!.transform(Buffer.from(SOURCE))).toBe(BUILT);
  });

  it('points at files the build produces, and icons of the sizes they claim', () => {
    const urlOf = (id: string) => attrs(find('Url').find((u) => attrs(u).id === id)!).DefaultValue;
    expect(urlOf(attrs(one('Runtime')).resid)).toBe(`${ADDIN_URL}/commands.html`);
    expect(urlOf(attrs(one('Override')).resid)).toBe(`${ADDIN_URL}/launchevent.js`);
    expect(attrs(one('Override')).type).toBe('javascript');
    for (const img of find('Image').filter((n) => attrs(n).DefaultValue)) {
      const file = path.join(ROOT, attrs(img).DefaultValue.slice(ADDIN_URL.length + 1));
      const png = fs.readFileSync(file);
      const size = Number(/icon-(\d+)\.png$/.exec(file)![1]);
      expect([png.readUInt32BE(16), png.readUInt32BE(20)], file).toEqual([size, size]);
    }
    for (const { node, parents } of all.filter(({ node }) => local(nameOf(node)) === 'Image' && attrs(node).size)) {
      const id = attrs(node).resid;
      const url = attrs(find('Image').find((i) => attrs(i).id === id)!).DefaultValue;
      expect(url, `${local(nameOf(parents.at(-1)!))} icon ${attrs(node).size}`).toMatch(new RegExp(`icon-${attrs(node).size}\\.png$`));
    }
    expect(attrs(one('IconUrl')).DefaultValue).toMatch(/icon-64\.png$/);
    expect(attrs(one('HighResolutionIconUrl')).DefaultValue).toMatch(/icon-128\.png$/);
  });

  it('has pinnable compose and read task panes', () => {
    const surfaces = find('ExtensionPoint').map((n) => attrs(n)['xsi:type']);
    expect(surfaces).toEqual(expect.arrayContaining(['MessageComposeCommandSurface', 'MessageReadCommandSurface', 'LaunchEvent']));
    const actions = find('Action');
    expect(actions.map((a) => attrs(a)['xsi:type'])).toEqual(['ShowTaskpane', 'ShowTaskpane']);
    for (const a of actions) expect(text(kids(a).find((c) => nameOf(c) === 'SupportsPinning')!)).toBe('true');
    expect(text(one('Permissions'))).toBe('ReadWriteItem');
  });

  it('wires each LaunchEvent to a function the event runtime associates, sending in SoftBlock mode', () => {
    const events = find('LaunchEvent').map(attrs);
    expect(events.map((e) => e.Type)).toEqual(['OnNewMessageCompose', 'OnMessageSend']);
    expect(events.find((e) => e.Type === 'OnMessageSend')!.SendMode).toBe('SoftBlock');
    const host = new FakeHost();
    registerHandlers(host);
    for (const e of events) expect([...host.handlers.keys()]).toContain(e.FunctionName);
    // And in the built file Outlook loads, when there is one.
    const built = path.join(ROOT, 'dist', 'launchevent.js');
    if (fs.existsSync(built)) {
      const js = fs.readFileSync(built, 'utf8');
      for (const e of events) expect(js).toContain(`"${e.FunctionName}"`);
      expect(js).not.toMatch(/react\.(transitional\.)?element|__CLIENT_INTERNALS/);
    }
  });

  it('declares AppendOnSend, which appendOnSendAsync and prependOnSendAsync need', () => {
    expect(find('ExtendedPermission').map(text)).toEqual(['AppendOnSend']);
    expect(fs.readFileSync(path.join(ROOT, 'src/addin/office/office-host.ts'), 'utf8')).toContain('appendOnSendAsync');
  });

  it('asks for a Mailbox requirement set that covers every API called without feature detection', () => {
    const version = (v: string) => Number(v.split('.')[1]);
    const declared = attrs(find('Sets').find((s) => attrs(s).DefaultMinVersion)!).DefaultMinVersion;
    expect(attrs(find('Set').find((s) => attrs(s).MinVersion)!).MinVersion).toBe(declared);
    const code = fs.readFileSync(path.join(ROOT, 'src/addin/office/office-host.ts'), 'utf8');
    // Requirement sets from the Office.js reference (office-js-docs-reference, outlook requirement sets).
    const API: Array<{ uses: RegExp; set: string; guard?: string }> = [
      { uses: /\.roamingSettings\./, set: '1.1' },
      { uses: /\.loadCustomPropertiesAsync\(/, set: '1.1' },
      { uses: /\.getTypeAsync\(/, set: '1.1' },
      { uses: /\.setSelectedDataAsync\(/, set: '1.1' },
      { uses: /\.body\.setAsync\(/, set: '1.3' },
      { uses: /\.notificationMessages\./, set: '1.3' },
      { uses: /\.addHandlerAsync\(office\.EventType\.ItemChanged/, set: '1.5' },
      { uses: /from\.getAsync|from\?\.getAsync/, set: '1.7' },
      { uses: /\.internetHeaders\./, set: '1.8' },
      { uses: /\.getAllInternetHeadersAsync\(/, set: '1.8' },
      { uses: /\.getAttachmentsAsync\(/, set: '1.8' },
      { uses: /\.getAttachmentContentAsync\(/, set: '1.8' },
      { uses: /\.appendOnSendAsync\(/, set: '1.9' },
      { uses: /\.sessionData\./, set: '1.11' },
      { uses: /\.prependOnSendAsync\(/, set: '1.13', guard: "isSetSupported('Mailbox', '1.13')" },
      { uses: /\.officeTheme/, set: '1.14', guard: "isSetSupported('Mailbox', '1.14')" },
      { uses: /EventType\.OfficeThemeChanged/, set: '1.14', guard: "isSetSupported('Mailbox', '1.14')" },
    ];
    const events: Record<string, string> = { OnNewMessageCompose: '1.10', OnMessageSend: '1.12' };
    const needed = [...API.filter((a) => a.uses.test(code) && !a.guard).map((a) => a.set), ...find('LaunchEvent').map((e) => events[attrs(e).Type])];
    expect(version(declared)).toBeGreaterThanOrEqual(Math.max(...needed.map(version)));
    for (const a of API.filter((x) => x.guard && x.uses.test(code))) {
      if (version(a.set) > version(declared)) {
        const guarded = a.set === '1.13' ? fs.readFileSync(path.join(ROOT, 'src/addin/flows/compose-flow.ts'), 'utf8') + code : code;
        expect(guarded, `${a.uses} needs ${a.set}: feature-detected`).toContain(a.guard);
      }
    }
    expect(code).toContain("isSetSupported('OpenBrowserWindowApi', '1.1')");
  });
});
