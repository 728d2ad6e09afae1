// The app's identity for getAppInfo and `tessera --version`: the version comes from package.json,
// bundled at build time, so the built app and the source tree report the same number.
import pkg from '../../package.json';
import type { AppInfo } from '../api/contract';

export const APP_NAME = 'Tessera';
export const APP_VERSION: string = pkg.version;

/** @example appInfo('web') // { version: '0.1.0', mode: 'web', platform: 'linux' } */
export function appInfo(mode: AppInfo['mode']): AppInfo {
  return { version: APP_VERSION, mode, platform: process.platform };
}
