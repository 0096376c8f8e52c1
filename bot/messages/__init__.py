"""The bilingual message catalogue, one module per area (merged by ``bot.i18n``)."""
