import { createEmulator } from '../src/emulator/emulator.js';
import { loadApiModel } from '../src/emulator/generic/model.js';
const m = loadApiModel();
console.log(JSON.stringify(m.operations.find(o => o.path === '/v1/files' && o.method === 'POST')));
const e = createEmulator();
const b = 'walkb';
const body = `--${b}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\ndispute_evidence\r\n--${b}\r\nContent-Disposition: form-data; name="file"; filename="walk.png"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n--${b}--\r\n`;
const r = await e.handle({ method: 'POST', path: '/v1/files', query: '', body, contentType: `multipart/form-data; boundary=${b}`, account: 'acct_1', livemode: false });
console.log(r.status, JSON.stringify(r.body));
