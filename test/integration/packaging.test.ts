// The packaging configuration, checked without packaging (that needs the internet): valid for
// electron-builder's own JSON schema, fuses set, every native module outside the archive, the
// targets and icons the release needs, and no auto-update.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
interface Target {
  target: string;
  arch: string[];
}
interface BuilderConfig {
  electronFuses: Record<string, boolean>;
  asarUnpack: string[];
  npmRebuild: boolean;
  extraResources: { from: string; to: string }[];
  linux: { target: Target[]; desktop: { entry: Record<string, string> } };
  mac: { target: Target[]; hardenedRuntime: boolean; entitlements: string };
  win: { target: Target[] };
  publish: unknown;
}
const config = YAML.parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('electron-builder.yml', () => {
  it("is valid for electron-builder's own schema", () => {
    const schema = JSON.parse(readFileSync(path.join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, notAFuse: true } })).toBe(false);
  });

  it('sets the fuses: no RunAsNode, no NODE_OPTIONS or --inspect, encrypted cookies, ASAR only and verified', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('keeps native modules and the trainer outside the archive and rebuilds them for Electron', () => {
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining(['**/*.node', 'node_modules/better-sqlite3/**', 'node_modules/@node-llama-cpp/**']),
    );
    expect(config.npmRebuild).toBe(true);
    expect(config.extraResources).toEqual(
      expect.arrayContaining([expect.objectContaining({ from: 'native', to: 'native' })]),
    );
  });

  it('builds AppImage, deb and rpm for x64 and arm64, a hardened dmg for both Macs, and an nsis installer', () => {
    const targets = (os: 'linux' | 'mac' | 'win'): Record<string, string[]> =>
      Object.fromEntries(config[os].target.map((t) => [t.target, t.arch]));
    expect(targets('linux')).toEqual({ AppImage: ['x64', 'arm64'], deb: ['x64', 'arm64'], rpm: ['x64', 'arm64'] });
    expect(targets('mac')).toEqual({ dmg: ['arm64', 'x64'] });
    expect(targets('win')).toEqual({ nsis: ['x64'] });
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(readFileSync(path.join(root, config.mac.entitlements), 'utf8')).toContain('com.apple.security.cs.allow-jit');
    expect(config.linux.desktop.entry.Name).toBe('LabForge');
  });

  it('has a 512×512 PNG icon', () => {
    const png = readFileSync(path.join(root, 'build/icon.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([512, 512]);
  });

  it('never auto-updates', () => {
    expect(config.publish).toBeNull();
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect({ ...pkg.dependencies, ...pkg.devDependencies }).not.toHaveProperty('electron-updater');
  });
});
