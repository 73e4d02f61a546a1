// Package report renders sweeps and comparisons: tables (tablewriter) as
// text or Markdown, CSV, JSON, and plots of time series (gonum/plot) as
// SVG or PNG. It only formats; running belongs to package scenarios.
package report
