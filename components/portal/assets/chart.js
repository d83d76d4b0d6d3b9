// A bar chart drawn as SVG, no library: one bar per group, its value as a
// percentage, "no data" drawn as no bar and said in words. The figures are
// also in the table beside it, so the chart is a picture of the table.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

// bars: [{ label, value (0–1 or null) }]
export function barChart(title, bars, noData) {
  const rowH = 28;
  const left = 180;
  const width = 640;
  const height = bars.length * rowH + 30;
  const root = svg('svg', {
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-labelledby': 'chart-title',
  });
  root.append(svg('title', { id: 'chart-title' }, title));
  bars.forEach((b, i) => {
    const y = 10 + i * rowH;
    root.append(
      svg(
        'text',
        { x: left - 8, y: y + 17, 'text-anchor': 'end', 'font-size': 13, fill: '#1f2328' },
        b.label,
      ),
    );
    root.append(
      svg('rect', { x: left, y: y + 4, width: width - left - 70, height: 18, fill: '#eceff3' }),
    );
    if (b.value === null || b.value === undefined) {
      root.append(
        svg('text', { x: left + 6, y: y + 17, 'font-size': 13, fill: '#4f5661' }, noData),
      );
    } else {
      const w = Math.max(0, Math.min(1, b.value)) * (width - left - 70);
      root.append(svg('rect', { x: left, y: y + 4, width: w, height: 18, fill: '#0b5cad' }));
      root.append(
        svg(
          'text',
          { x: width - 64, y: y + 17, 'font-size': 13, fill: '#1f2328' },
          `${(b.value * 100).toFixed(1)}%`,
        ),
      );
    }
  });
  return root;
}
