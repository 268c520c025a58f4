# Reference values for tests/test_ordinal_longitudinal.py: ordinal measurement invariance across two
# waves of the same raters (longitudinal; Wu & Estabrook 2016 identification, theta parameterization):
# semTools::measEq.syntax(longFacNames, longIndNames, long.equal; default auto = 1 adds item.pre ~~ item.post)
# fitted with lavaan::cfa(ordered = ..., parameterization = "theta") on the complete pairs.
# Run from this folder:  Rscript make_longitudinal.R   (writes long1.csv, long2.csv, longitudinal.json)
suppressMessages({library(lavaan); library(semTools); library(jsonlite)})
options(digits = 16)
out <- list(versions = list(lavaan = as.character(packageVersion("lavaan")),
                            semTools = as.character(packageVersion("semTools")), R = R.version.string))
set.seed(2026)
## long format: rater, wave, items; a factor shift at post, item residuals correlated across waves
gen <- function(n, lam, cuts, factors, shift, drift_item = 0, keep_post = 0.92, p_missing = 0.01) {
  p <- length(lam)
  fac <- rep(seq_along(factors), lengths(factors))
  k <- length(factors)
  S <- diag(2 * k); S[cbind(1:k, k + 1:k)] <- S[cbind(k + 1:k, 1:k)] <- .6
  if (k > 1) for (a in 1:(2 * k)) for (b in 1:(2 * k)) if (a != b && S[a, b] == 0) S[a, b] <- .35
  f <- MASS::mvrnorm(n, c(rep(0, k), rep(shift, k)), S)
  e <- lapply(1:p, function(j) MASS::mvrnorm(n, c(0, 0), matrix(c(1, .3, .3, 1), 2)))
  y <- function(t) sapply(1:p, function(j) {
    ystar <- lam[j] * f[, (t - 1) * k + fac[j]] + sqrt(1 - lam[j]^2) * e[[j]][, t]
    if (t == 2 && j == drift_item) ystar <- ystar + .35
    findInterval(ystar, cuts) + 1L })
  mk <- function(t) { d <- as.data.frame(y(t)); names(d) <- unlist(factors); cbind(rater = sprintf("R%04d", 1:n), wave = c("pre", "post")[t], d) }
  d <- rbind(mk(1), mk(2)[runif(n) < keep_post, ])
  for (it in unlist(factors)) d[runif(nrow(d)) < p_missing, it] <- NA
  d
}
l1 <- gen(400, c(.8, .7, .75, .6), c(-1.3, -.4, .5, 1.3), list(c("x1", "x2", "x3", "x4")), .3, drift_item = 4)
l2 <- gen(500, c(.8, .7, .6, .75, .7, .65), c(-2.2, -1.6, -1.0, -.4, .3, 1.0),
          list(c("m1", "m2", "m3"), c("m4", "m5", "m6")), .25)
write.csv(l1, "long1.csv", row.names = FALSE, na = "")
write.csv(l2, "long2.csv", row.names = FALSE, na = "")

steps <- list(configural = "", thresholds = "thresholds", loadings = c("thresholds", "loadings"),
              intercepts = c("thresholds", "loadings", "intercepts"),
              residuals = c("thresholds", "loadings", "intercepts", "residuals"))
run <- function(d, factors) {
  items <- unlist(factors)
  pre <- d[d$wave == "pre", c("rater", items)]; post <- d[d$wave == "post", c("rater", items)]
  names(pre)[-1] <- paste0(items, ".pre"); names(post)[-1] <- paste0(items, ".post")
  w <- merge(pre, post, by = "rater")
  w <- w[complete.cases(w), ]
  ov <- c(paste0(items, ".pre"), paste0(items, ".post"))
  model <- paste(c(sapply(names(factors), function(f) paste0(f, ".pre =~ ", paste0(factors[[f]], ".pre", collapse = " + "))),
                   sapply(names(factors), function(f) paste0(f, ".post =~ ", paste0(factors[[f]], ".post", collapse = " + ")))),
                 collapse = "\n")
  lf <- setNames(lapply(names(factors), function(f) paste0(f, c(".pre", ".post"))), names(factors))
  li <- setNames(lapply(items, function(i) paste0(i, c(".pre", ".post"))), items)
  fits <- lapply(steps, function(le) {
    syn <- as.character(measEq.syntax(model, data = w, ordered = ov, parameterization = "theta",
                                      ID.fac = "std.lv", ID.cat = "Wu.Estabrook.2016",
                                      longFacNames = lf, longIndNames = li, long.equal = le))
    cfa(syn, w, ordered = ov, parameterization = "theta")
  })
  res <- list(nobs = lavInspect(fits[[1]], "nobs"), n_raters = length(unique(d$rater)))
  res$models <- lapply(fits, function(f) {
    fm <- fitMeasures(f)
    pe <- parameterEstimates(f)
    tst <- lavInspect(f, "test")$scaled.shifted
    list(fit = as.list(fm[intersect(names(fm), c("npar", "chisq", "df", "chisq.scaled", "chisq.scaling.factor",
              "pvalue.scaled", "baseline.chisq.scaled", "cfi.scaled", "tli.scaled", "rmsea.scaled", "srmr"))]),
         shift = tst$shift.parameter, converged = lavInspect(f, "converged"),
         params = list(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, est = pe$est, se = pe$se))
  })
  lrt <- list()
  nm <- names(steps)
  for (k in 2:length(nm)) {
    t <- lavTestLRT(fits[[nm[k - 1]]], fits[[nm[k]]])
    lrt[[nm[k]]] <- list(chisq_diff = t[2, "Chisq diff"], df_diff = t[2, "Df diff"], pvalue = t[2, "Pr(>Chisq)"])
  }
  res$lrt <- lrt
  res
}
out$long1 <- run(l1, list(f = c("x1", "x2", "x3", "x4")))
out$long2 <- run(l2, list(f1 = c("m1", "m2", "m3"), f2 = c("m4", "m5", "m6")))
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, null = "null", na = "null"), "longitudinal.json")
cat("done\n")
