# Reference values for tests/test_reliability.py, test_factors.py, test_cfa.py.
# Run from this folder:  Rscript make_reference.R
# Versions used are written into reference.json ("versions"). R is never a test dependency:
# the tests read reference.json only.
suppressMessages({
  library(psych); library(lavaan); library(GPArotation); library(semTools); library(jsonlite)
})
options(digits = 16)
out <- list()

mat <- function(m) {  # matrix -> list(rows, cols, values by row)
  m <- as.matrix(unclass(m))
  list(rows = rownames(m), cols = colnames(m), values = unname(split(m, row(m))))
}
drop_empty <- function(d) d[rowSums(!is.na(d)) > 0, , drop = FALSE]  # as the package does

alpha_ref <- function(x, keys = NULL) {
  x <- drop_empty(x)
  a <- if (is.null(keys)) alpha(x, warnings = FALSE) else alpha(x, keys = keys, warnings = FALSE)
  list(total = as.list(a$total), item_stats = as.list(a$item.stats),
       alpha_drop = as.list(a$alpha.drop), feldt = unname(c(as.numeric(a$feldt$lower.ci), as.numeric(a$feldt$upper.ci))),
       items = rownames(a$item.stats), n = nrow(x))
}
omega_ref <- function(x, nf) {
  o <- omega(x, nfactors = nf, plot = FALSE)
  list(omega_h = o$omega_h, omega_t = o$omega.tot, alpha = o$alpha, G6 = o$G6,
       omega_lim = o$omega.lim, ECV = unname(o$ECV), sl = mat(o$schmid$sl),
       group = mat(as.matrix(o$omega.group)))
}
fa_ref <- function(x, nf, fm, rot) {
  f <- fa(x, nf, fm = fm, rotate = rot, warnings = FALSE)
  r <- list(loadings = mat(f$loadings), communality = unname(f$communality),
            uniquenesses = unname(f$uniquenesses), values = f$values, e_values = f$e.values,
            vaccounted = mat(f$Vaccounted))
  if (!is.null(f$Phi)) r$phi <- mat(f$Phi)
  r
}
cfa_ref <- function(model, d, std.lv = FALSE) {
  fit <- cfa(model, data = d, std.lv = std.lv)
  fm <- fitMeasures(fit, c("npar", "ntotal", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df",
                           "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "rmsea.pvalue",
                           "srmr", "logl", "unrestricted.logl", "aic", "bic", "gfi"))
  ss <- standardizedSolution(fit)
  pe <- parameterEstimates(fit)
  res <- resid(fit, type = "cor")$cov
  mi <- modindices(fit)
  list(fit = as.list(unclass(fm)), nobs = lavInspect(fit, "nobs"),
       mi = list(lhs = mi$lhs, op = mi$op, rhs = mi$rhs, mi = mi$mi, epc = mi$epc, sepc_all = mi$sepc.all),
       std = list(lhs = ss$lhs, op = ss$op, rhs = ss$rhs, est_std = ss$est.std, se = ss$se),
       est = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se),
       comprel = as.list(compRelSEM(fit)), resid_cor = mat(res))
}
pa_ref <- function(x, seed = 42, n.iter = 20) {
  set.seed(seed)
  p <- fa.parallel(x, fa = "both", n.iter = n.iter, plot = FALSE)
  list(fa_values = p$fa.values, pc_values = p$pc.values, nfact = p$nfact, ncomp = p$ncomp,
       seed = seed, n_iter = n.iter)
}
model_of <- function(blocks) paste(sprintf("%s =~ %s", names(blocks), sapply(blocks, paste, collapse = " + ")),
                                   collapse = "\n")

## bfi (psych)
bfi <- read.csv("bfi.csv")
A <- paste0("A", 1:5); C <- paste0("C", 1:5)
out$bfi <- list(
  alpha_A = alpha_ref(bfi[A], keys = "A1"),
  alpha_C = alpha_ref(bfi[C], keys = c("C4", "C5")),
  alpha_2items = alpha_ref(bfi[c("A2", "A3")]),
  omega5 = omega_ref(bfi, 5), omega3 = omega_ref(bfi, 3),
  kmo = list(msa = KMO(bfi)$MSA, msai = unname(KMO(bfi)$MSAi)),
  bartlett = {b <- cortest.bartlett(cor(bfi, use = "pairwise"), n = nrow(bfi)); list(chisq = b$chisq, df = b$df, p = b$p.value)},
  parallel = pa_ref(bfi),
  fa = list(minres_oblimin = fa_ref(bfi, 5, "minres", "oblimin"), minres_varimax = fa_ref(bfi, 5, "minres", "varimax"),
            minres_promax = fa_ref(bfi, 5, "minres", "promax"), ml_oblimin = fa_ref(bfi, 5, "ml", "oblimin"),
            ml_varimax = fa_ref(bfi, 5, "ml", "varimax"), ml_promax = fa_ref(bfi, 5, "ml", "promax"),
            minres_1 = fa_ref(bfi, 1, "minres", "oblimin")),
  cfa_AC = cfa_ref(model_of(list(agree = A, consc = C)), bfi)
)

## Holzinger & Swineford 1939 (lavaan)
hs <- read.csv("hs1939.csv")
hs_model <- "visual =~ x1 + x2 + x3\ntextual =~ x4 + x5 + x6\nspeed =~ x7 + x8 + x9"
out$hs <- list(cfa = cfa_ref(hs_model, hs), cfa_std_lv = cfa_ref(hs_model, hs, std.lv = TRUE))

## clear-cut data for parallel analysis (3 factors x 4 items, n = 500)
set.seed(2013)
f <- matrix(rnorm(500 * 3), 500, 3)
clear <- as.data.frame(f[, rep(1:3, each = 4)] * 0.7 + matrix(rnorm(500 * 12), 500, 12) * 0.7)
colnames(clear) <- sprintf("v%02d", 1:12)
write.csv(clear, "clearcut.csv", row.names = FALSE)
clear <- read.csv("clearcut.csv")
out$clearcut <- list(parallel = pa_ref(clear, seed = 7))

## the project's sample: MCA-26 mentee pre-wave responses
mca <- read.csv("mca26_mentee_pre.csv")
blocks <- list(communication = sprintf("mca%02d", 1:6), expectations = sprintf("mca%02d", 7:11),
               understanding = sprintf("mca%02d", 12:14), independence = sprintf("mca%02d", 15:19),
               diversity = sprintf("mca%02d", 20:21), professional_development = sprintf("mca%02d", 22:26))
items <- unlist(blocks, use.names = FALSE)
mx <- drop_empty(mca[items])
alphas <- lapply(blocks, function(b) alpha_ref(mca[b]))
alphas$overall <- alpha_ref(mca[items])
out$mca <- list(
  n_rows = nrow(mca),
  alpha = alphas,
  omega6 = omega_ref(mx, 6),
  kmo = list(msa = KMO(mx)$MSA, msai = unname(KMO(mx)$MSAi)),
  bartlett = {b <- cortest.bartlett(cor(mx, use = "pairwise"), n = nrow(mx)); list(chisq = b$chisq, df = b$df, p = b$p.value)},
  parallel = pa_ref(mx),
  fa6 = fa_ref(mx, 6, "minres", "oblimin"),
  cfa = cfa_ref(model_of(blocks), mca[items])
)

## a well-conditioned simulated MCA-26 data set (600 rows, 1% missing cells), written by
## benchmarks/bench_psychometrics.py's simulate(600, 0.01, seed = 2026)
sim <- read.csv("mca26_simulated.csv")
out$mca_sim <- list(cfa = cfa_ref(model_of(blocks), sim[items]), omega6 = omega_ref(drop_empty(sim[items]), 6))

out$versions <- list(R = R.version.string, psych = as.character(packageVersion("psych")),
                     lavaan = as.character(packageVersion("lavaan")),
                     semTools = as.character(packageVersion("semTools")),
                     GPArotation = as.character(packageVersion("GPArotation")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE, na = "null"), "reference.json")
cat("wrote reference.json\n")
