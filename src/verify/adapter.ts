/**
 * The adapter layer of `xent-oracle verify`: a uniform way to call an implementation under
 * test, whether it is a JS module (run in a child process of its own) or a command in any language
 * speaking the JSON-lines protocol v1 (docs/protocol.md).
 *
 *   const a = await openCommandAdapter('python3 examples/adapters/numpy_scipy.py');
 *   a.info;                                   // { name, dtype, ops, unknownOps }
 *   await a.call('softmax', { logits: [[1, 2]] });  // { kind: 'result', value: [[…]], ms }
 *   await a.close();
 *
 * open* throw AdapterError when the implementation cannot be loaded or described (the CLI
 * exits 2); call() never throws and reports every failure as a CallOutcome.
 */
export {
  AdapterError,
  type Adapter,
  type AdapterDtype,
  type AdapterInfo,
  type CallOutcome,
  type CommandAdapterOptions,
  type CommonAdapterOptions,
  type DeviceInfo,
  type ModuleAdapterOptions,
} from './adapter-types.js';
export { openCommandAdapter } from './adapter-command.js';
export { openModuleAdapter, explainImportError, checkExportSummary, type ExportSummary } from './adapter-module.js';
export { openBrowserAdapter, findBrowser, type BrowserAdapterOptions } from './adapter-browser.js';
export { describeDevice } from './device.js';
