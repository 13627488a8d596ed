#!/usr/bin/env bash
# Fetch the map assets from the npm registry and copy what pages load into static/vendor/.
# Nothing here reaches a CDN at run time; pages load these files from our own server.
# One install into node_modules/: package.json's "dependencies" are the map assets, of
# which only the files below are copied; its "devDependencies" (ESLint) stay there for
# `make lint` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-package-lock --no-audit --no-fund --loglevel=error >&2 || {
    echo "vendor-assets: npm install failed; map pages need these assets (see package.json)" >&2
    exit 1
}
NM=node_modules
OUT=static/vendor
rm -rf "$OUT"; mkdir -p "$OUT"
cp -r "$NM/leaflet/dist" "$OUT/leaflet"
mkdir -p "$OUT/jquery" && cp "$NM/jquery/dist/jquery.min.js" "$OUT/jquery/"
mkdir -p "$OUT/bootstrap" && cp "$NM/bootstrap/dist/js/bootstrap.bundle.min.js" \
    "$NM/bootstrap/dist/css/bootstrap.min.css" "$OUT/bootstrap/"
cp -r "$NM/leaflet.awesome-markers/dist" "$OUT/awesome-markers"
# the version folium.plugins.MarkerCluster names (folium 0.20: 1.1.0)
mkdir -p "$OUT/markercluster" && cp "$NM/leaflet.markercluster/dist/leaflet.markercluster.js" \
    "$NM/leaflet.markercluster/dist/MarkerCluster.css" \
    "$NM/leaflet.markercluster/dist/MarkerCluster.Default.css" "$OUT/markercluster/"
# the heatmap layer of the caseload map (app/maps/stats_map.py)
mkdir -p "$OUT/leaflet-heat" && cp "$NM/leaflet.heat/dist/leaflet-heat.js" "$OUT/leaflet-heat/"
mkdir -p "$OUT/fontawesome"
cp -r "$NM/@fortawesome/fontawesome-free/css" "$NM/@fortawesome/fontawesome-free/webfonts" "$OUT/fontawesome/"
# drawing the split line in the plan editor (static/js/plan_editor.js)
mkdir -p "$OUT/geoman" && cp "$NM/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.min.js" \
    "$NM/@geoman-io/leaflet-geoman-free/dist/leaflet-geoman.css" "$OUT/geoman/"
# the GCJ-02/BD-09 shift (static/js/lib/map.js imports it when a page needs it)
mkdir -p "$OUT/gcoord" && cp "$NM/gcoord/dist/gcoord.esm-browser.prod.js" "$NM/gcoord/LICENSE" "$OUT/gcoord/"
# the API reference page (/api/v1/docs, app/web/api_docs.py)
mkdir -p "$OUT/swagger-ui" && cp "$NM/swagger-ui-dist/swagger-ui-bundle.js" \
    "$NM/swagger-ui-dist/swagger-ui.css" "$NM/swagger-ui-dist/LICENSE" "$OUT/swagger-ui/"
touch "$OUT/.installed"
echo "vendor-assets: map assets in $OUT" >&2
