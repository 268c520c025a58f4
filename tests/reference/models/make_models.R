# Reference values for tests/test_model_comparison.py: standardised loadings (std.all) and fit
# indices of the 1-factor, correlated-factors and second-order CFA models of the MCA-26 on the
# sample program's mentee pre-wave responses (tests/reference/psych/mca26_mentee_pre.csv), with
# lavaan's cfa() defaults (ML, listwise deletion, marker-variable identification).
# Also a bfi-like 3-factor check: 2 first-order factors cannot carry a second-order factor.
# Run from this folder:  Rscript make_models.R   (writes models.json)
suppressPackageStartupMessages({library(lavaan); library(jsonlite)})
d <- read.csv("../psych/mca26_mentee_pre.csv")
blocks <- list(
  communication = sprintf("mca%02d", 1:6), expectations = sprintf("mca%02d", 7:11),
  understanding = sprintf("mca%02d", 12:14), independence = sprintf("mca%02d", 15:19),
  diversity = sprintf("mca%02d", 20:21), professional_development = sprintf("mca%02d", 22:26))
items <- unlist(blocks, use.names = FALSE)
first <- paste(sprintf("%s =~ %s", names(blocks), sapply(blocks, paste, collapse = " + ")), collapse = "\n")
models <- list(
  one_factor = sprintf("general =~ %s", paste(items, collapse = " + ")),
  correlated = first,
  second_order = paste(first, sprintf("general =~ %s", paste(names(blocks), collapse = " + ")), sep = "\n"))
keys <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr",
          "aic", "bic", "logl")
out <- list(n_rows = nrow(d), lavaan = as.character(packageVersion("lavaan")))
for (m in names(models)) {
  fit <- cfa(models[[m]], data = d[items])
  ss <- standardizedSolution(fit)
  ss <- ss[ss$op == "=~", ]
  out[[m]] <- list(converged = lavInspect(fit, "converged"), ntotal = lavInspect(fit, "ntotal"),
                   fit = as.list(fitMeasures(fit, keys)),
                   loadings = list(lhs = ss$lhs, rhs = ss$rhs, std_all = ss$est.std))
}
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "models.json")
