# Latency CDFs, one panel per scenario; bench/bench.py sets datadir, outfile,
# nplots and, per panel j, idxJ (data file index), titleJ and toolsJ.
set terminal pngcairo size 1000,360*nplots font "sans,10"
set output outfile
set multiplot layout nplots,1
set logscale x 10
set format x "%g"
set xlabel "wall time of one run (ms, log scale)"
set ylabel "fraction of runs"
set yrange [0:1]
set grid xtics mxtics ytics lc rgb "#dddddd"
set key right bottom opaque box
set arrow 1 from graph 0, first 0.5 to graph 1, first 0.5 nohead dt 2 lc rgb "#888888"
col(t) = t eq "airlock" ? "#d62728" : t eq "bwrap" ? "#1f77b4" : t eq "bwrap-nosite" ? "#17becf" : \
         t eq "firejail" ? "#9467bd" : t eq "unshare" ? "#7f7f7f" : "#2ca02c"
lw(t) = t eq "airlock" ? 3 : 1.5
do for [j=1:nplots] {
    set title value("title".j) . " - CDF per tool"
    tl = value("tools".j)
    ix = value("idx".j)
    plot for [t in tl] sprintf("%s/s%d_%s.dat", datadir, ix, t) using 1:2 with steps \
        lw lw(t) lc rgb col(t) title t
}
unset multiplot
