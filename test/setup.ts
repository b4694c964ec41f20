import axios from 'axios';

// Unit tests answer every request from a mock. Should a request ever fall through to axios's own
// adapter, it fails here instead of reaching the network. Tests that need real HTTP create their
// instance with `adapter: 'http'` and talk to a server they started on 127.0.0.1.
axios.defaults.adapter = (config) =>
  Promise.reject(new Error(`unit test request reached the default adapter: ${String(config.url)}`));
