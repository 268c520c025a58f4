# References for tests/test_sem.py (FIML, MLR, syntax models, invariance). Run here: Rscript make_sem.R
suppressMessages({library(lavaan); library(semTools); library(jsonlite)})
options(digits = 16)
HS <- HolzingerSwineford1939
write.csv(HS[c("school", paste0("x", 1:9))], "hs_school.csv", row.names = FALSE)
m <- "visual =~ x1 + x2 + x3\n textual =~ x4 + x5 + x6\n speed =~ x7 + x8 + x9"
FM <- c("npar", "ntotal", "chisq", "df", "pvalue", "baseline.chisq", "baseline.df", "cfi", "tli", "rmsea",
        "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "logl", "unrestricted.logl", "aic", "bic")
RB <- c("chisq.scaled", "chisq.scaling.factor", "baseline.chisq.scaled", "baseline.chisq.scaling.factor",
        "cfi.scaled", "tli.scaled", "rmsea.scaled", "cfi.robust", "tli.robust", "rmsea.robust",
        "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
pe <- function(f) { p <- parameterEstimates(f); list(lhs = p$lhs, op = p$op, rhs = p$rhs,
  group = if (is.null(p$group)) rep(1, nrow(p)) else p$group, est = p$est, se = p$se) }
one <- function(f, robust = FALSE, extra = NULL) list(fit = as.list(unclass(fitMeasures(f, c(FM, if (robust) RB, extra)))), par = pe(f))
FIMLC <- c("cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust", "rmsea.ci.upper.robust")
out <- list(versions = list(R = R.version.string, lavaan = as.character(packageVersion("lavaan")),
                            semTools = as.character(packageVersion("semTools"))))
d <- HS[paste0("x", 1:9)]
d$x1[seq(1, 301, by = 10)] <- NA; d$x5[seq(2, 301, by = 9)] <- NA; d$x9[seq(3, 301, by = 8)] <- NA
write.csv(d, "hs_missing.csv", row.names = FALSE)
out$ml <- one(cfa(m, HS))
out$mlr <- one(cfa(m, HS, estimator = "MLR"), TRUE)
out$fiml <- one(cfa(m, d, missing = "ml"), extra = FIMLC)  # *.robust: Zhang-Savalei FIML-corrected (V6)
out$fiml$npatterns <- nrow(lavInspect(cfa(m, d, missing = "ml"), "patterns"))
out$fiml_mlr <- one(cfa(m, d, missing = "ml", estimator = "MLR"), TRUE)
models <- list(
  cross = paste(m, "\n visual =~ x9"),
  resid = paste(m, "\n x7 ~~ x8\n x1 ~~ x4"),
  second = paste(m, "\n g =~ visual + textual + speed"),
  fixed = "visual =~ x1 + 0.6*x2 + x3\n textual =~ x4 + x5 + x6\n visual ~~ 0*textual")
for (nm in names(models)) out$models[[nm]] <- one(cfa(models[[nm]], HS))
bif <- "g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9\n s1 =~ x1 + x2 + x3\n s2 =~ x4 + x5 + x6\n s3 =~ x7 + x8 + x9"
fb <- cfa(bif, HS, std.lv = TRUE, orthogonal = TRUE)
out$models$bifactor <- one(fb)
ss <- standardizedSolution(fb); L <- ss[ss$op == "=~", ]; R <- cor(HS[paste0("x", 1:9)])
gs <- sum(L$est.std[L$lhs == "g"])^2; ss2 <- sum(sapply(c("s1", "s2", "s3"), function(s) sum(L$est.std[L$lhs == s])^2))
out$bifactor_omega <- list(omega_h = gs / sum(R), omega_t = (gs + ss2) / sum(R),
  omega_h_model = gs / sum(lavInspect(fb, "cor.ov")), omega_t_model = (gs + ss2) / sum(lavInspect(fb, "cor.ov")),
  comprel = as.list(compRelSEM(fb, return.total = FALSE)))
steps <- list(configural = "", metric = "loadings", scalar = c("loadings", "intercepts"),
              strict = c("loadings", "intercepts", "residuals"))
for (est in c("ML", "MLR")) {
  fits <- lapply(steps, function(ge) cfa(m, HS, group = "school", group.equal = ge, estimator = est))
  res <- lapply(fits, one, robust = est == "MLR")
  l <- lavTestLRT(fits$configural, fits$metric, fits$scalar, fits$strict)
  res$lrt <- list(chisq_diff = l[["Chisq diff"]][-1], df_diff = l[["Df diff"]][-1], p = l[["Pr(>Chisq)"]][-1],
                  rmsea = if (!is.null(l$RMSEA)) l$RMSEA[-1] else NULL)
  pp <- cfa(m, HS, group = "school", group.equal = c("loadings", "intercepts"), group.partial = c("x3~1", "x7~1"), estimator = est)
  res$partial <- one(pp, est == "MLR")
  out$invariance[[est]] <- res
}
# longitudinal: 350 people answer 4 items at pre and post (simulated), measEq.syntax with marker ID
set.seed(7); n <- 350
eta <- MASS::mvrnorm(n, c(0, .3), matrix(c(1, .6, .6, 1.1), 2))
lam <- c(1, .8, .7, .9); nu <- c(4, 4.2, 3.9, 4.1)
mk <- function(e, shift = 0) sapply(1:4, function(i) nu[i] + (i == 3) * shift + lam[i] * e + rnorm(n, sd = .6))
W <- data.frame(mk(eta[, 1]), mk(eta[, 2], shift = .25)); names(W) <- c(paste0("i", 1:4, "_pre"), paste0("i", 1:4, "_post"))
for (j in seq_along(W)) W[[j]] <- round(W[[j]], 2)
write.csv(W, "long.csv", row.names = FALSE)
cfg <- "F_pre =~ i1_pre + i2_pre + i3_pre + i4_pre\n F_post =~ i1_post + i2_post + i3_post + i4_post"
lst <- list(F = c("F_pre", "F_post"))
long <- list()
for (nm in names(steps)) {
  ge <- steps[[nm]]
  syn <- measEq.syntax(cfg, data = W, ID.fac = "UL", longFacNames = lst, long.equal = if (nm == "configural") "" else ge)
  long[[nm]] <- cfa(as.character(syn), W, meanstructure = TRUE)
}
out$longitudinal <- lapply(long, one)
l <- lavTestLRT(long$configural, long$metric, long$scalar, long$strict)
out$longitudinal$lrt <- list(chisq_diff = l[["Chisq diff"]][-1], df_diff = l[["Df diff"]][-1], p = l[["Pr(>Chisq)"]][-1])
# simulated 1-7 Likert items with missing answers, two forms (self, mentee): FIML and MLR, multigroup
set.seed(11); n <- 260
f <- MASS::mvrnorm(n, c(0, 0), matrix(c(1, .5, .5, 1), 2))
lk <- sapply(1:8, function(i) { y <- c(.8, .7, .75, .6)[(i - 1) %% 4 + 1] * f[, (i > 4) + 1] + rnorm(n, sd = .6)
  pmin(pmax(round(4.6 + 1.3 * y), 1), 7) })
L <- as.data.frame(lk); names(L) <- sprintf("mca%02d", 1:8)
L$form <- rep(c("self", "mentee"), length.out = n)
L$mca02[L$form == "self"] <- pmin(L$mca02[L$form == "self"] + 1, 7)          # a non-invariant intercept
for (j in 1:8) L[[j]][sample(n, 18)] <- NA
write.csv(L, "likert_missing.csv", row.names = FALSE)
lm <- "comm =~ mca01 + mca02 + mca03 + mca04\n expect =~ mca05 + mca06 + mca07 + mca08"
out$likert <- list(
  fiml = one(cfa(lm, L, missing = "ml"), extra = FIMLC),
  fiml_mlr = one(cfa(lm, L, missing = "ml", estimator = "MLR"), TRUE),
  listwise_mlr = one(cfa(lm, L, estimator = "MLR"), TRUE),
  mg_fiml_configural = one(cfa(lm, L, missing = "ml", group = "form"), extra = FIMLC),
  mg_fiml_scalar = one(cfa(lm, L, missing = "ml", group = "form", group.equal = c("loadings", "intercepts")),
                       extra = FIMLC))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE), "sem.json")
