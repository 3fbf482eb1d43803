# The benchmark's chart, drawn locally by gnuplot (called by bench/report.py):
#   gnuplot -e "datafile='results.dat'; outfile='results.png'; heading='…'" bench/chart.gp
# datafile: tab-separated "label" req/s nginx_cpu_us app_cpu_us db_cpu_us, one line per row, first line at the
# bottom. Left panel: requests per second. Right panel: CPU microseconds per request, Nginx's workers, the JVM(s)
# and PostgreSQL (0 in the SQLite rows: SQLite runs inside the JVM).

set terminal pngcairo size 1500,900 font "DejaVu Sans,10" noenhanced  # labels are literal: {id}, _
set output outfile
set datafile separator "\t"
stats datafile using 2 nooutput          # STATS_records: the number of bars
set multiplot title heading font ",13"
set style fill solid 0.85 border -1
set yrange [-0.6:STATS_records - 0.4]
set grid xtics
set xrange [0:*]
set tmargin at screen 0.86              # room for the page title above the panel titles

# Left: throughput. Bars are boxes centred on (x/2, line number) with half-widths (x/2, 0.35).
set lmargin at screen 0.24
set rmargin at screen 0.60
unset key
set title "requests per second (higher is better)"
set ytics nomirror
set offsets 0, graph 0.12, 0, 0         # room on the right for the value labels
plot datafile using ($2/2):0:($2/2):(0.35):ytic(1) with boxxyerror lc rgb "#4477aa" notitle, \
     '' using 2:0:(sprintf(" %.0f", $2)) with labels left notitle

# Right: CPU per request within each row: Nginx on top, the app in the middle, PostgreSQL below.
set lmargin at screen 0.64
set rmargin at screen 0.98
set title "CPU µs per request (lower is better)"
set key top right box opaque            # the top rows (Nginx alone) have the shortest bars
set ytics format ""
plot datafile using ($3/2):($0+0.25):($3/2):(0.11) with boxxyerror lc rgb "#228833" title "Nginx workers", \
     '' using ($4/2):($0):($4/2):(0.11) with boxxyerror lc rgb "#ee6677" title "app (JVM)", \
     '' using ($5/2):($0-0.25):($5/2):(0.11) with boxxyerror lc rgb "#aa3377" title "PostgreSQL", \
     '' using 3:($0+0.25):(sprintf(" %.0f", $3)) with labels left font ",7" notitle, \
     '' using 4:($0):(sprintf(" %.0f", $4)) with labels left font ",7" notitle, \
     '' using 5:($0-0.25):(($5 > 0) ? sprintf(" %.0f", $5) : "") with labels left font ",7" notitle
unset multiplot
