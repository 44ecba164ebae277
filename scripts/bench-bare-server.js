// The baseline of `npm run bench`: a bare node:http endpoint that only reads and parses the body and answers 200.
const http = require('node:http');

const port = Number(process.argv[2] || 0);
http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        JSON.parse(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      } catch {
        res.writeHead(400).end();
      }
    });
  })
  .listen(port, '127.0.0.1', () => process.send?.('ready'));
