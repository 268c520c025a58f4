# R timing of the WLSMV CFA and polychoric matrix of bench_ordinal.py, on the same data:
#   Rscript benchmarks/bench_ordinal.R data.csv
# Libraries are loaded before timing. Prints the seconds of each step and "R total: X s".
t_load <- system.time(suppressMessages({library(lavaan); library(psych); library(semTools)}))
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
blocks <- list(communication = sprintf("mca%02d", 1:6), expectations = sprintf("mca%02d", 7:11),
               understanding = sprintf("mca%02d", 12:14), independence = sprintf("mca%02d", 15:19),
               diversity = sprintf("mca%02d", 20:21), professional_development = sprintf("mca%02d", 22:26))
items <- unlist(blocks, use.names = FALSE); x <- d[items]
model <- paste(sprintf("%s =~ %s", names(blocks), sapply(blocks, paste, collapse = " + ")), collapse = "\n")
tm <- function(label, expr) { t <- system.time(expr)[["elapsed"]]; cat(sprintf("  %-40s %6.2f s\n", label, t)); t }
cat(sprintf("library loading: %.2f s\n", t_load[["elapsed"]]))
t1 <- tm("lavCor polychoric (pairwise)", r <- lavCor(x, ordered = items, missing = "pairwise"))
t2 <- tm("cfa WLSMV + fitMeasures", {fit <- cfa(model, x, ordered = items); fm <- fitMeasures(fit)})
cat(sprintf("chisq.scaled %.6f cfi.scaled %.6f cfi.robust %.6f\n", fm[["chisq.scaled"]], fm[["cfi.scaled"]], fm[["cfi.robust"]]))
cat(sprintf("polychoric: %.3f s\n", t1))
cat(sprintf("WLSMV: %.3f s\n", t2))
t3 <- 0
if ("form" %in% names(d)) {   # ordinal invariance, Wu & Estabrook, five steps + satorra.2000 tests
  steps <- list("", "thresholds", c("thresholds", "loadings"), c("thresholds", "loadings", "intercepts"),
                c("thresholds", "loadings", "intercepts", "residuals"))
  t3 <- tm("invariance (5 steps + lavTestLRT)", {
    fits <- lapply(steps, function(ge) {
      syn <- as.character(measEq.syntax(model, data = d, ordered = items, parameterization = "theta",
                                        ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016", group = "form", group.equal = ge))
      cfa(syn, d, group = "form", ordered = items, parameterization = "theta")
    })
    lrt <- do.call(lavTestLRT, unname(fits))
    cfis <- sapply(fits, fitMeasures, "cfi.scaled")
  })
  cat(sprintf("invariance chisq diff %s\n", paste(sprintf("%.6f", lrt[["Chisq diff"]][-1]), collapse = " ")))
  cat(sprintf("invariance cfi.scaled %s\n", paste(sprintf("%.6f", cfis), collapse = " ")))
  cat(sprintf("invariance: %.3f s\n", t3))
}
cat(sprintf("R total: %.2f s\n", t1 + t2 + t3))
