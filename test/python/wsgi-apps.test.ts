/**
 * Python WSGI apps served through the Node front: a plain WSGI app, Flask and a Django project,
 * with each Python worker class, the seed's own command and config, and an app factory.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT, startServer } from '../helpers/cli.js';
import { PY_FIXTURES, PYTHON, pythonHas } from '../helpers/python.js';

const py = ['--python', PYTHON];
mkdirSync(join(ROOT, 'test/.tmp'), { recursive: true });

for (const k of ['sync', 'gthread', 'gevent']) {
  test(`plain WSGI app, worker_class ${k}: hello, environ, request body, streaming, 500 with the traceback logged`, async () => {
    const { t, url } = await startServer([...py, '-k', k, '--threads', '4', 'app:application'], { cwd: PY_FIXTURES, workers: 2 });
    try {
      const hello = await fetch(url);
      assert.equal(hello.status, 200);
      assert.equal(await hello.text(), 'Hello, World!');
      assert.equal(hello.headers.get('content-length'), '13');

      const env = await (await fetch(`${url}/environ?a=1&b=%20x`, { headers: { 'X-Test': 'yes' } })).json();
      assert.equal(env.REQUEST_METHOD, 'GET');
      assert.equal(env.PATH_INFO, '/environ');
      assert.equal(env.QUERY_STRING, 'a=1&b=%20x');
      assert.equal(env.RAW_URI, '/environ?a=1&b=%20x');
      assert.equal(env.HTTP_X_TEST, 'yes');
      assert.equal(env.REMOTE_ADDR, '127.0.0.1');
      assert.equal(env['wsgi.url_scheme'], 'http');
      assert.equal(env.SERVER_PROTOCOL, 'HTTP/1.1');

      const body = Buffer.alloc(3 * 1024 * 1024, 'ab');
      const echo = await fetch(`${url}/echo`, { method: 'POST', body });
      assert.equal(Buffer.compare(Buffer.from(await echo.arrayBuffer()), body), 0);

      const stream = await fetch(`${url}/stream?4`);
      assert.equal(await stream.text(), 'line 0\nline 1\nline 2\nline 3\n');

      const big = await fetch(`${url}/big?2000000`);
      assert.equal((await big.arrayBuffer()).byteLength, 2_000_000);

      const err = await fetch(`${url}/error`);
      assert.equal(err.status, 500);
      assert.doesNotMatch(await err.text(), /boom/);
      await t.waitFor(/Error handling request \S* ?GET \/error[\s\S]*RuntimeError: boom from the app/);
    } finally {
      assert.equal((await t.stop()).code, 0);
    }
  });
}

test("the seed's command: tunicorn -c gunicorn.conf.py app:application, its config unchanged (gevent, cpus*2+1 workers)", async (tt) => {
  const missing = pythonHas('gevent');
  if (missing) return tt.skip(missing);
  const dir = mkdtempSync(join(ROOT, 'test/.tmp/seed-py-'));
  copyFileSync(join(ROOT, 'examples/gunicorn.conf.py'), join(dir, 'gunicorn.conf.py'));
  copyFileSync(join(PY_FIXTURES, 'app.py'), join(dir, 'app.py'));
  const { t, url } = await startServer([...py, '-c', 'gunicorn.conf.py', 'app:application'], { cwd: dir });
  try {
    assert.equal(await (await fetch(url)).text(), 'Hello, World!');
    assert.match(t.output, /Using worker: gevent/);
    assert.match(t.output, /worker_connections: 1000, max_requests: 30000, timeout: 15s/);
    const cpus = Number(spawnSync(PYTHON, ['-c', 'import multiprocessing; print(multiprocessing.cpu_count())'], { encoding: 'utf8' }).stdout);
    await t.waitFor(new RegExp(`(Booting worker with pid: \\d+[\\s\\S]*){${cpus * 2 + 1}}`));
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
});

test('Flask: routes, JSON, form with a file upload, streaming, a view that raises; an app factory as Gunicorn accepts it', async (tt) => {
  const missing = pythonHas('flask');
  if (missing) return tt.skip(missing);
  const { t, url } = await startServer([...py, '-k', 'gthread', '--threads', '4', 'flask_app:create_app(debug=False)'], { cwd: PY_FIXTURES, workers: 1 });
  try {
    assert.equal(await (await fetch(url)).text(), 'Hello from Flask');
    assert.deepEqual(await (await fetch(`${url}/api/items/7?q=x`)).json(), { id: 7, name: 'item 7', q: 'x' });
    const form = new FormData();
    form.set('title', 'report');
    form.set('file', new Blob([Buffer.alloc(200_000, 1)]), 'data.bin');
    assert.deepEqual(await (await fetch(`${url}/upload`, { method: 'POST', body: form })).json(), { field: 'report', filename: 'data.bin', size: 200_000 });
    assert.equal(await (await fetch(`${url}/stream`)).text(), 'chunk 0\nchunk 1\nchunk 2\n');
    const fail = await fetch(`${url}/fail`);
    assert.equal(fail.status, 500);
    await t.waitFor(/ValueError: flask view failed/);
    assert.equal((await fetch(`${url}/nope`)).status, 404);
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
});

test('Django: a project made with django-admin startproject, served from its directory as mysite.wsgi:application', async (tt) => {
  const missing = pythonHas('django');
  if (missing) return tt.skip(missing);
  const dir = mkdtempSync(join(ROOT, 'test/.tmp/django-'));
  const made = spawnSync(PYTHON, ['-m', 'django', 'startproject', 'mysite', dir], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  writeFileSync(
    join(dir, 'mysite/views.py'),
    [
      'from django.http import HttpResponse, JsonResponse, StreamingHttpResponse',
      'from django.views.decorators.csrf import csrf_exempt',
      '',
      'def hello(request):',
      '    return HttpResponse("Hello from Django")',
      '',
      '@csrf_exempt',
      'def upload(request):',
      '    f = request.FILES["file"]',
      '    return JsonResponse({"name": f.name, "size": f.size, "title": request.POST.get("title")})',
      '',
      'def stream(request):',
      '    return StreamingHttpResponse(("part %d\\n" % i for i in range(3)), content_type="text/plain")',
      '',
    ].join('\n'),
  );
  const urls = join(dir, 'mysite/urls.py');
  writeFileSync(urls, `${readFileSync(urls, 'utf8')}\nfrom . import views\nurlpatterns += [path("hello/", views.hello), path("upload/", views.upload), path("stream/", views.stream)]\n`);
  const settings = join(dir, 'mysite/settings.py');
  writeFileSync(settings, `${readFileSync(settings, 'utf8')}\nALLOWED_HOSTS = ["*"]\nDEBUG = False\n`);
  const { t, url } = await startServer([...py, '-w', '2', '-k', 'sync', 'mysite.wsgi:application'], { cwd: dir, path: '/hello/' });
  try {
    assert.equal(await (await fetch(`${url}/hello/`)).text(), 'Hello from Django');
    const form = new FormData();
    form.set('title', 'doc');
    form.set('file', new Blob([Buffer.alloc(3_000_000, 2)]), 'big.bin');
    assert.deepEqual(await (await fetch(`${url}/upload/`, { method: 'POST', body: form })).json(), { name: 'big.bin', size: 3_000_000, title: 'doc' });
    assert.equal(await (await fetch(`${url}/stream/`)).text(), 'part 0\npart 1\npart 2\n');
    assert.equal((await fetch(`${url}/missing/`)).status, 404);
  } finally {
    assert.equal((await t.stop()).code, 0);
  }
});
