"""The SQL of the people domain, one named function per question or change: ``refs``
(codes and ids → rows, within the caller's communities), ``workers`` (the roster, grids
served, leave), ``party`` (organisations, members, 双报到 decisions), ``departments``."""
