// The live map: the roads (/roads.geojson), the fleet (polled from /api/changes) drawn on one
// canvas coloured by speed, incidents as markers, a click for a vehicle's details and trail,
// and the live alerts (polled from /api/alerts) as a list of the newest and markers of the open.
// Served by `vts live serve`; config.json carries the server's speed bands and poll interval.
"use strict";

const TRAIL_COLOUR = "#7b2cbf"; // a selected vehicle's trail: no speed band's colour
const ALERTS_LISTED = 20; // the newest alerts (by start) the list shows

// -- the fleet: parallel typed arrays, one slot per vehicle ------------------------------
class Fleet {
  constructor(bands) {
    this.bands = bands; // [[upper km/h, colour], ...], the last upper is Infinity
    this.size = 0;
    this.ids = [];
    this.slot = new Map(); // vehicle_id -> index
    this.lat = new Float64Array(1024);
    this.lon = new Float64Array(1024);
    this.band = new Uint8Array(1024);
    this.newestMs = 0; // the newest position's time
  }

  replace(vehicles) {
    this.size = 0;
    this.ids.length = 0;
    this.slot.clear();
    this.update(vehicles, []);
  }

  update(vehicles, removed) {
    for (const id of removed) this.remove(id);
    for (const v of vehicles) {
      let i = this.slot.get(v.vehicle_id);
      if (i === undefined) i = this.add(v.vehicle_id);
      this.lat[i] = v.latitude;
      this.lon[i] = v.longitude;
      const kmh = v.speed_kmh ?? 0;
      let band = 0;
      while (band < this.bands.length - 1 && !(kmh < this.bands[band][0])) band += 1;
      this.band[i] = band;
      const ms = Date.parse(v.ts);
      if (ms > this.newestMs) this.newestMs = ms;
    }
  }

  add(id) {
    if (this.size === this.lat.length) {
      for (const name of ["lat", "lon", "band"]) {
        const grown = new this[name].constructor(this.size * 2);
        grown.set(this[name]);
        this[name] = grown;
      }
    }
    this.ids[this.size] = id;
    this.slot.set(id, this.size);
    return this.size++;
  }

  remove(id) {
    const i = this.slot.get(id);
    if (i === undefined) return;
    const last = --this.size; // the last vehicle moves into the freed slot
    this.slot.delete(id);
    if (i !== last) {
      const moved = this.ids[last];
      this.ids[i] = moved;
      this.slot.set(moved, i);
      this.lat[i] = this.lat[last];
      this.lon[i] = this.lon[last];
      this.band[i] = this.band[last];
    }
    this.ids.length = last;
  }

  bounds() {
    const b = L.latLngBounds([]);
    for (let i = 0; i < this.size; i++) b.extend([this.lat[i], this.lon[i]]);
    return b;
  }
}

// -- one canvas over the map for the whole fleet: one path per speed band ----------------
const FleetLayer = L.Layer.extend({
  initialize(fleet, colours) {
    this.fleet = fleet;
    this.colours = colours;
    this.x = new Float32Array(0); // where each vehicle was drawn, in container pixels
    this.y = new Float32Array(0);
  },

  onAdd(map) {
    // its own pane, above the roads (overlayPane, 400) and below the incidents (markerPane, 600)
    const pane = map.getPane("fleet") || map.createPane("fleet");
    pane.style.zIndex = 450;
    this.canvas = L.DomUtil.create("canvas", "fleet leaflet-zoom-hide", pane);
    map.on("moveend zoomend resize viewreset", this.draw, this);
    this.draw();
  },

  onRemove(map) {
    map.off("moveend zoomend resize viewreset", this.draw, this);
    this.canvas.remove();
  },

  draw() {
    const map = this._map;
    if (!map || !map._loaded) return;
    const size = map.getSize();
    const ratio = window.devicePixelRatio || 1;
    const canvas = this.canvas;
    L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint([0, 0]));
    if (canvas.width !== size.x * ratio || canvas.height !== size.y * ratio) {
      canvas.width = size.x * ratio;
      canvas.height = size.y * ratio;
      canvas.style.width = size.x + "px";
      canvas.style.height = size.y + "px";
    }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);
    // Web Mercator by hand (as L.CRS.EPSG3857 projects), relative to the view's corner
    const { lat, lon, band } = this.fleet;
    const n = this.fleet.size;
    if (this.x.length < n) {
      this.x = new Float32Array(lat.length);
      this.y = new Float32Array(lat.length);
    }
    const scale = 256 * Math.pow(2, map.getZoom());
    const origin = map.getPixelBounds().min;
    for (let i = 0; i < n; i++) {
      const s = Math.sin((Math.max(-85.0511, Math.min(85.0511, lat[i])) * Math.PI) / 180);
      this.x[i] = ((lon[i] + 180) / 360) * scale - origin.x;
      this.y[i] = (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * scale - origin.y;
    }
    const r = map.getZoom() >= 13 ? 4 : 3;
    ctx.strokeStyle = "rgba(0, 0, 0, 0.45)";
    ctx.lineWidth = 0.75;
    for (let b = 0; b < this.colours.length; b++) {
      ctx.beginPath();
      for (let i = 0; i < n; i++) {
        const x = this.x[i], y = this.y[i];
        if (band[i] !== b || x < -r || y < -r || x > size.x + r || y > size.y + r) continue;
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, 2 * Math.PI);
      }
      ctx.fillStyle = this.colours[b];
      ctx.fill();
      ctx.stroke();
    }
  },

  // The vehicle drawn nearest to a point of the map's container, within `radius` px, or null.
  nearest(point, radius) {
    let best = null;
    let bestD = radius * radius;
    for (let i = 0; i < this.fleet.size; i++) {
      const dx = this.x[i] - point.x, dy = this.y[i] - point.y;
      if (dx * dx + dy * dy <= bestD) {
        bestD = dx * dx + dy * dy;
        best = this.fleet.ids[i];
      }
    }
    return best;
  },
});

(async function main() {
  const config = await getJSON("config.json");
  const bands = config.speed_bands.map(([upper, colour]) => [upper ?? Infinity, colour]);
  const map = L.map("map", { preferCanvas: true, zoomControl: true, attributionControl: false });
  const fleet = new Fleet(bands);
  const layer = new FleetLayer(fleet, bands.map(([, colour]) => colour)).addTo(map);
  const stats = { updates: 0, resets: 0, errors: 0, scriptMs: [], sizes: [], vehicles: 0, alertUpdates: 0 };
  const incidents = new Map(); // incident_id -> L.marker
  const alerts = new Map(); // alert_id -> { alert, marker (while it is open) }
  let cursor = null;
  let alertCursor = null; // none yet: /alerts answers from the start
  let clockOffsetMs = 0; // server clock minus ours
  let lastOkMs = null;
  let selected = null; // { id, trail: L.polyline }

  map.createPane("trail").style.zIndex = 500; // a selected vehicle's trail: above the fleet
  window.vtsLive = { map, stats, fleet, alerts };
  drawLegend(bands);

  const roads = await getJSON("roads.geojson");
  const roadLayer = L.geoJSON(roads, {
    style: { color: config.road_colour, weight: 2, opacity: 0.8 },
    interactive: false,
  }).addTo(map);
  if (roads.features.length) map.fitBounds(roadLayer.getBounds(), { padding: [20, 20] });
  else map.setView([0, 0], 2);

  const snapshot = await untilAnswered(() => getJSON("api/vehicles"));
  update(() => {
    fleet.replace(snapshot.vehicles);
    if (!roads.features.length && fleet.size) map.fitBounds(fleet.bounds(), { padding: [20, 20] });
    return snapshot;
  });
  await untilAnswered(loadIncidents);
  setInterval(showFreshness, 250);
  map.on("click", (e) => select(layer.nearest(e.containerPoint, 8)));
  document.getElementById("details-close").onclick = () => select(null);
  poll();

  // -- updates ---------------------------------------------------------------------------
  async function poll() {
    const started = performance.now();
    try {
      const response = await fetch("api/changes?after=" + encodeURIComponent(cursor));
      const text = await response.text();
      if (!response.ok) throw new Error(`/changes answered ${response.status}: ${text}`);
      const body = update(() => {
        const changes = JSON.parse(text);
        if (changes.reset) fleet.replace(changes.vehicles);
        else fleet.update(changes.vehicles, changes.removed);
        for (const incident of changes.incidents) showIncident(incident);
        return changes;
      });
      if (body.reset) {
        stats.resets += 1;
        await loadIncidents();
      }
      if (selected && (body.reset || body.vehicles.some((v) => v.vehicle_id === selected.id)))
        await select(selected.id);
      await pollAlerts();
    } catch (err) {
      stats.errors += 1;
      stats.lastError = String(err);
      showFreshness();
    }
    setTimeout(poll, Math.max(0, config.poll_ms - (performance.now() - started)));
  }

  // Runs `work` (it changes the fleet and returns the API's answer), redraws the fleet, and
  // records the script time both took: the figure the map's benchmark reads.
  function update(work) {
    const t0 = performance.now();
    const body = work();
    layer.draw();
    stats.scriptMs.push(performance.now() - t0);
    stats.sizes.push(body.vehicles.length); // the vehicles that update carried
    if (stats.scriptMs.length > 3600) {
      stats.scriptMs.shift();
      stats.sizes.shift();
    }
    stats.updates += 1;
    stats.vehicles = fleet.size;
    cursor = body.cursor;
    clockOffsetMs = Date.parse(body.now) - Date.now();
    lastOkMs = Date.now();
    document.getElementById("vehicle-count").textContent = `${fleet.size.toLocaleString()} vehicles`;
    showFreshness();
    return body;
  }

  // -- alerts: every version after our cursor; a reset (new store) starts the list again ----
  async function pollAlerts() {
    const body = await getJSON("api/alerts" + (alertCursor ? "?after=" + encodeURIComponent(alertCursor) : ""));
    if (body.reset) {
      for (const { marker } of alerts.values()) marker?.remove();
      alerts.clear();
    }
    for (const alert of body.alerts) showAlert(alert);
    alertCursor = body.cursor;
    stats.alertUpdates += 1;
    if (body.reset || body.alerts.length) listAlerts();
  }

  function showAlert(alert) {
    const known = alerts.get(alert.alert_id);
    known?.marker?.remove();
    let marker = null;
    if (alert.status !== "ended" && placed(alert)) {
      const icon = L.divIcon({ className: "alert-mark", iconSize: [14, 14] });
      const title = `${alert.alert} ${alert.vehicle_id} since ${alert.start_ts}`;
      marker = L.marker([alert.latitude, alert.longitude], { icon, title, keyboard: false });
      marker.on("click", () => focusAlert(alert.alert_id));
      marker.addTo(map);
    }
    alerts.set(alert.alert_id, { alert, marker });
  }

  function listAlerts() {
    const newest = [...alerts.values()].map((a) => a.alert)
      .sort((a, b) => Date.parse(b.start_ts) - Date.parse(a.start_ts)).slice(0, ALERTS_LISTED);
    const list = document.getElementById("alert-list");
    list.replaceChildren(...newest.map((a) => {
      const item = document.createElement("li");
      item.className = a.status;
      item.dataset.alertId = a.alert_id;
      item.textContent = `${a.alert} · ${a.vehicle_id} · ${a.start_ts.slice(11, 19)} · ${a.status === "ended" ? "ended" : "ongoing"}`;
      item.title = `${a.alert} of ${a.vehicle_id} from ${a.start_ts}` + (a.status === "ended" ? ` to ${a.end_ts}` : "");
      item.onclick = () => focusAlert(a.alert_id);
      return item;
    }));
    const open = [...alerts.values()].filter((a) => a.alert.status !== "ended").length;
    document.getElementById("alert-count").textContent = `${open} open alert${open === 1 ? "" : "s"}`;
  }

  // Centres the map where the alert started (if it has a position) and selects its vehicle.
  function focusAlert(id) {
    const { alert } = alerts.get(id);
    if (placed(alert)) map.setView([alert.latitude, alert.longitude], Math.max(map.getZoom(), 15));
    select(alert.vehicle_id);
  }

  function placed(alert) {
    return Number.isFinite(alert.latitude) && Number.isFinite(alert.longitude);
  }

  async function loadIncidents() {
    const body = await getJSON("api/incidents");
    for (const marker of incidents.values()) marker.remove();
    incidents.clear();
    body.incidents.forEach(showIncident);
  }

  function showIncident(incident) {
    const id = incident.incident_id;
    incidents.get(id)?.remove();
    incidents.delete(id);
    if (incident.status !== "Resolved") {
      const icon = L.divIcon({ className: "incident", iconSize: [12, 12] });
      const title = `${incident.incident_type} (${incident.severity}, ${incident.status})`;
      const marker = L.marker([incident.latitude, incident.longitude], { icon, title, keyboard: false });
      marker.bindPopup(() => detailsTable(incident).outerHTML);
      incidents.set(id, marker.addTo(map));
    }
    const n = incidents.size;
    document.getElementById("incident-count").textContent = `${n} incident${n === 1 ? "" : "s"}`;
  }

  // How old the newest position is, on the server's clock; red when the API stops answering.
  function showFreshness() {
    const el = document.getElementById("freshness");
    const now = Date.now();
    if (lastOkMs === null || now - lastOkMs > 5000) {
      const since = lastOkMs === null ? "" : ` for ${Math.round((now - lastOkMs) / 1000)} s`;
      el.textContent = `no answer from the API${since}${stats.lastError ? ": " + stats.lastError : ""}`;
      el.className = "stale";
      return;
    }
    if (!fleet.newestMs) {
      el.textContent = "no vehicles reporting";
      el.className = "stale";
      return;
    }
    const ageS = Math.max(0, (now + clockOffsetMs - fleet.newestMs) / 1000);
    el.textContent = `newest position ${age(ageS)} old`;
    el.className = ageS < 2 ? "fresh" : ageS < 10 ? "late" : "stale";
    el.dataset.ageS = ageS.toFixed(3);
  }

  function age(s) {
    if (s < 10) return `${s.toFixed(1)} s`;
    if (s < 120) return `${Math.round(s)} s`;
    if (s < 7200) return `${Math.round(s / 60)} min`;
    if (s < 172800) return `${Math.round(s / 3600)} h`;
    return `${Math.round(s / 86400)} days`;
  }

  // -- a vehicle's details ---------------------------------------------------------------
  async function select(id) {
    const panel = document.getElementById("details");
    if (id === null) {
      selected?.trail.remove();
      selected = null;
      panel.hidden = true;
      return;
    }
    let body;
    try {
      body = await getJSON("api/vehicles/" + encodeURIComponent(id));
    } catch (err) {
      document.getElementById("details-trail").textContent = String(err);
      return;
    }
    if (selected && selected.id !== id) select(null);
    const points = body.trail.map((p) => [p.latitude, p.longitude]);
    if (!selected) {
      const trail = L.polyline([], { color: TRAIL_COLOUR, weight: 4, interactive: false, pane: "trail" });
      selected = { id, trail: trail.addTo(map) };
    }
    selected.trail.setLatLngs(points);
    document.getElementById("details-title").textContent = id;
    document.getElementById("details-fields").replaceWith(detailsTable(body.vehicle, "details-fields"));
    document.getElementById("details-trail").textContent = `trail: ${body.trail.length} positions` +
      (body.trail.length ? ` since ${body.trail[0].ts}` : "");
    panel.hidden = false;
  }

  function detailsTable(record, id) {
    const table = document.createElement("table");
    if (id) table.id = id;
    for (const [key, value] of Object.entries(record)) {
      if (value === null || value === undefined || key === "vehicle_id") continue;
      const row = table.insertRow();
      row.insertCell().textContent = key;
      row.insertCell().textContent = typeof value === "number" ? +value.toFixed(5) : value;
    }
    return table;
  }

  function drawLegend(bandList) {
    const el = document.getElementById("legend");
    el.append("km/h");
    let lower = 0;
    for (const [upper, colour] of bandList) {
      const swatch = document.createElement("i");
      swatch.style.background = colour;
      el.append(swatch, upper === Infinity ? `${lower}+` : `${lower}–${upper}`);
      lower = upper;
    }
  }

  // The API may not be up yet (or down a while): say so, and try again every poll interval.
  async function untilAnswered(request) {
    for (;;) {
      try {
        return await request();
      } catch (err) {
        stats.errors += 1;
        stats.lastError = String(err);
        showFreshness();
        await new Promise((resolve) => setTimeout(resolve, config.poll_ms));
      }
    }
  }

  async function getJSON(url) {
    const response = await fetch(url);
    const text = await response.text();
    if (!response.ok) throw new Error(`${url} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  }
})().catch((err) => {
  const el = document.getElementById("freshness");
  el.textContent = "the map could not start: " + err.message;
  el.className = "stale";
  throw err;
});
