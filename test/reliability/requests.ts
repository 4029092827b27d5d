/** Request builders shared by the hostile corpora (hostile.test.ts, python-hostile.test.ts): exact bytes. */
export const H = 'Host: x\r\n';
export const get = (target = '/', headers = H, version = 'HTTP/1.1') => `GET ${target} ${version}\r\n${headers}\r\n`;
export const post = (headers: string, body: string, version = 'HTTP/1.1') => `POST /echo ${version}\r\n${headers}\r\n${body}`;
export const chunked = (body: string, headers = '') => post(`${H}Transfer-Encoding: chunked\r\n${headers}`, body);
export const CHUNKS = '5\r\nhello\r\n0\r\n\r\n';
export const SMUGGLED = 'GET /admin HTTP/1.1\r\nHost: x\r\n\r\n';
