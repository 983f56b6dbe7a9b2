"""A self-contained demo: fictional Dutch review sites served on loopback.

``klantstem.demo.site`` builds the data (and a matching monitor.toml),
``klantstem.demo.pages`` renders it the way the real sites do, and
``klantstem.demo.server.DemoServer`` serves it, so the whole pipeline can run end to end
without the internet and without crawling anyone's real site.
"""
