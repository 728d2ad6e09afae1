// Renderer entry: global styles, then the one Svelte root.
import { mount } from 'svelte';
import './app.css';
import App from './App.svelte';
import { createApi, pickTransport } from './lib/api/client';
import { ConnectionState } from './lib/state/connection.svelte';

const connection = new ConnectionState();
const transport = connection.watch(pickTransport());
const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target, props: { api: createApi(transport), transport, connection } });
